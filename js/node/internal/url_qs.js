// What the `url` package asks of `qs`, answered by Node's querystring rules, as Node's own
// url.parse(s, true) and url.format do.
import querystring from "../querystring.js";

export const parse = (s) => querystring.parse(s);
export const stringify = (o) => querystring.stringify(o);
export default { parse, stringify };
