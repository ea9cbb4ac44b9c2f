const semver = require("semver");
console.log(semver.satisfies("1.2.3", "^1.0.0"), semver.satisfies("2.0.0", "~1.2"));
console.log(semver.maxSatisfying(["1.2.3", "1.4.0", "2.0.0"], "^1"), semver.inc("1.2.3", "minor"));
console.log(semver.coerce("v3.4 beta").version, semver.compare("1.0.0-rc.1", "1.0.0"), semver.valid("nope"));
