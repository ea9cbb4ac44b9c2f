const { DateTime, Duration, Interval, Settings } = require("luxon");
Settings.defaultZone = "utc";
const d = DateTime.fromISO("2020-02-27T10:30:00Z");
console.log(d.toFormat("yyyy-LL-dd HH:mm cccc"), d.plus({ days: 3 }).toISODate(), d.isValid, DateTime.fromISO("nope").isValid);
console.log(Duration.fromObject({ minutes: 90 }).shiftTo("hours", "minutes").toHuman(), Interval.fromDateTimes(d, d.plus({ weeks: 2 })).length("days"));
console.log(d.setZone("America/New_York").toFormat("HH:mm ZZZZ"), d.setLocale("fr").toFormat("cccc d LLLL"));
