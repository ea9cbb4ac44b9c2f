const Joi = require("joi");
const schema = Joi.object({
  username: Joi.string().alphanum().min(3).max(30).required(),
  age: Joi.number().integer().min(0),
  email: Joi.string().email({ tlds: false }),
  tags: Joi.array().items(Joi.string()).default([]),
});
console.log(JSON.stringify(schema.validate({ username: "ada", age: 36, email: "a@b.co" })));
const r = schema.validate({ username: "a!", age: -1 }, { abortEarly: false });
console.log(r.error.details.map((d) => d.message).join(" | "));
