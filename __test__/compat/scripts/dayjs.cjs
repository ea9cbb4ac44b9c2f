const dayjs = require("dayjs");
const utc = require("dayjs/plugin/utc");
const relativeTime = require("dayjs/plugin/relativeTime");
dayjs.extend(utc);
dayjs.extend(relativeTime);
const d = dayjs.utc("2020-02-27T10:30:00Z");
console.log(d.format("YYYY-MM-DD HH:mm dddd"), d.add(3, "day").format("MMM D, YYYY"), d.isValid(), dayjs("nope").isValid());
console.log(d.from(d.add(45, "day")), d.diff(dayjs.utc("2020-01-01"), "day"), d.startOf("month").toISOString());
