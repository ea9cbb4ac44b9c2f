const validator = require("validator");
console.log(validator.isEmail("foo@bar.com"), validator.isEmail("nope@"), validator.isURL("https://example.com/x?y=1"), validator.isUUID("8f2e1b1c-2c3d-4e5f-8a9b-0c1d2e3f4a5b"));
console.log(validator.escape("<a href='x'>&</a>"), validator.isIP("10.0.0.1"), validator.isIP("::1", 6), validator.normalizeEmail("Foo.Bar@GMail.com"));
