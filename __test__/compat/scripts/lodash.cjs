const _ = require("lodash");
console.log(JSON.stringify(_.chunk([1, 2, 3, 4, 5], 2)));
console.log(_.camelCase("Foo Bar-baz"), _.kebabCase("fooBarBaz"));
console.log(JSON.stringify(_.merge({ a: { b: 1 } }, { a: { c: 2 } })));
console.log(_.template("hello <%= name %>!")({ name: "vm" }));
console.log(JSON.stringify(_.groupBy([1.3, 2.1, 2.4], Math.floor)), _.VERSION.split(".")[0]);
