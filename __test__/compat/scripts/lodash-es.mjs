import { chunk, debounce, groupBy, kebabCase } from "lodash-es";
import merge from "lodash-es/merge.js";
console.log(JSON.stringify(chunk([1, 2, 3, 4, 5], 2)), kebabCase("fooBarBaz"), JSON.stringify(groupBy(["one", "two", "three"], "length")));
console.log(JSON.stringify(merge({ a: { b: 1 } }, { a: { c: 2 } })));
const d = debounce((x) => console.log("debounced", x), 10);
d(1); d(2); d(3);
