const moment = require("moment");
const d = moment.utc("2020-02-27T10:30:00Z");
console.log(d.format("YYYY-MM-DD HH:mm dddd"), d.clone().add(3, "days").format("LL"), d.isValid(), moment("nope", "YYYY-MM-DD", true).isValid());
console.log(d.from(d.clone().add(45, "days")), d.diff(moment.utc("2020-01-01"), "days"), moment.duration(90, "minutes").humanize());
moment.locale("fr");
console.log(moment.utc("2020-02-27").format("dddd D MMMM YYYY"), moment.locale());
