const Ajv = require("ajv");
const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile({
  type: "object",
  properties: { foo: { type: "integer" }, bar: { type: "string", maxLength: 3 } },
  required: ["foo"],
  additionalProperties: false,
});
console.log(validate({ foo: 1, bar: "abc" }));
console.log(validate({ bar: "abcd", baz: 1 }), JSON.stringify(validate.errors.map((e) => [e.instancePath, e.keyword])));
console.log(ajv.errorsText(validate.errors));
