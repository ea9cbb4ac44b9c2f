// Errors shared by several builtins.

/// Node's AbortError (timers/promises, events.once/on, readline...): code 'ABORT_ERR'.
export class AbortError extends Error {
  constructor(message = "The operation was aborted", options = undefined) {
    super(message, options);
    this.code = "ABORT_ERR";
    this.name = "AbortError";
  }
}

/// How Node's ERR_INVALID_ARG_TYPE messages show the value received.
export function describeReceived(v) {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "function") return `function ${v.name}`;
  if (typeof v === "object") return v.constructor?.name ? `an instance of ${v.constructor.name}` : "[Object: null prototype]";
  if (typeof v === "string") {
    const s = v.length > 28 ? `${v.slice(0, 25)}...` : v;
    return `type string (${s.includes("'") ? JSON.stringify(s) : `'${s}'`})`;
  }
  if (typeof v === "bigint") return `type bigint (${v}n)`;
  if (typeof v === "symbol") return `type symbol (${String(v)})`;
  return `type ${typeof v} (${Object.is(v, -0) ? "-0" : v})`;
}

/// Node's ERR_INVALID_ARG_TYPE.
export function invalidArgType(name, expected, value) {
  const what = name.includes(".") ? "property" : "argument";
  return Object.assign(new TypeError(`The "${name}" ${what} must be ${expected}. Received ${describeReceived(value)}`), { code: "ERR_INVALID_ARG_TYPE" });
}
