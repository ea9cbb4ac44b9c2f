const ms = require("ms");
console.log(ms("2 days"), ms("1h"), ms("-3.5s"), ms(60000), ms(2 * 60000, { long: true }), ms(ms("10h"), { long: true }));
