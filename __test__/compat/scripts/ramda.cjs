const R = require("ramda");
const f = R.pipe(R.filter((x) => x > 1), R.map(R.multiply(3)), R.sum);
console.log(f([1, 2, 3]), JSON.stringify(R.groupBy(R.prop("t"), [{ t: "a", v: 1 }, { t: "b", v: 2 }, { t: "a", v: 3 }])));
console.log(R.compose(R.toUpper, R.join("-"))(["x", "y"]), JSON.stringify(R.assocPath(["a", "b"], 2, {})), R.curry((a, b, c) => a + b + c)(1)(2)(3));
