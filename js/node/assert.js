// `assert` and `assert/strict`: the `assert` npm package (Node's assert, published for other
// runtimes): ok/equal/deepStrictEqual/throws/rejects/match..., AssertionError, assert.strict.
import assert from "assert/";
export default assert;
