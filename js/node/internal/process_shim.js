// `require("process")` inside bundled polyfills: the guest's process object.
module.exports = require("./process.js").process;
