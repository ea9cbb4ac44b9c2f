const { v4, v5, v7, validate, version, NIL } = require("uuid");
console.log(v5("hello", v5.DNS), v5("https://example.com", v5.URL));
const a = v4();
console.log(validate(a), version(a), a.length, validate("nope"), NIL);
console.log(version(v7()));
