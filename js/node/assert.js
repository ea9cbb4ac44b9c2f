// `assert` and `assert/strict`: the `assert` npm package (Node's assert, published for other
// runtimes): ok/equal/deepStrictEqual/throws/rejects/match..., AssertionError, assert.strict.
// assert()/assert.ok() are wrapped to report a falsy value as Node does, quoting the call from
// the caller's source: "The expression evaluated to a falsy value:\n\n  assert.ok(x)\n".

import base from "assert/";
import { readFileBytes, core } from "./internal/sys.js";
import { fixNames } from "./internal/names.js";

const { AssertionError } = base;

// The caller's file, line and column (1-based), from V8's structured stack trace.
function callSite(fn) {
  const prepare = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_, stack) => stack;
    const holder = {};
    Error.captureStackTrace(holder, fn);
    const site = holder.stack?.[0];
    return site && { file: site.getFileName(), line: site.getLineNumber(), column: site.getColumnNumber() };
  } finally {
    Error.prepareStackTrace = prepare;
  }
}

// The call expression at (line, column): the callee's member chain back from the column, then
// its arguments up to the balancing parenthesis (skipping strings and comments).
function callAt(source, line, column) {
  const lines = source.split("\n");
  if (line > lines.length) return undefined;
  let at = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
  while (at > 0 && /[\w$.]/.test(source[at - 1])) at--;
  let i = source.indexOf("(", at);
  if (i < 0) return undefined;
  let depth = 0;
  for (; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < source.length && source[i] !== c; i++) if (source[i] === "\\") i++;
    } else if (c === "/" && source[i + 1] === "/") {
      i = source.indexOf("\n", i);
      if (i < 0) return undefined;
    } else if (c === "/" && source[i + 1] === "*") {
      i = source.indexOf("*/", i + 2) + 1;
      if (i <= 0) return undefined;
    } else if (c === "(" || c === "[" || c === "{") {
      depth++;
    } else if (c === ")" || c === "]" || c === "}") {
      if (--depth === 0) return source.slice(at, i + 1);
    }
  }
  return undefined;
}

function falsyMessage(fn) {
  const site = callSite(fn);
  if (!site?.file || !site.file.startsWith("/")) return undefined;
  let source;
  try {
    source = core.decode(readFileBytes(site.file));
  } catch {
    return undefined;
  }
  const code = callAt(source, site.line, site.column);
  if (code === undefined) return undefined;
  // Continuation lines keep their indentation relative to the first one, as Node prints them.
  const indent = /^[ \t]*/.exec(source.split("\n")[site.line - 1])[0].length;
  const shown = code
    .split("\n")
    .map((l, i) => (i === 0 ? l : l.slice(Math.min(indent, /^[ \t]*/.exec(l)[0].length))))
    .join("\n  ");
  return `The expression evaluated to a falsy value:\n\n  ${shown}\n`;
}

function innerOk(fn, argLen, value, message) {
  if (value) return;
  let generatedMessage = false;
  if (argLen === 0) {
    generatedMessage = true;
    message = "No value argument passed to `assert.ok()`";
  } else if (message == null) {
    message = falsyMessage(fn);
    generatedMessage = true;
  } else if (message instanceof Error) {
    throw message;
  }
  const err = new AssertionError({ actual: value, expected: true, message, operator: "==", stackStartFn: fn });
  err.generatedMessage = generatedMessage;
  throw err;
}

function assert(...args) {
  innerOk(assert, args.length, ...args);
}
function ok(...args) {
  innerOk(ok, args.length, ...args);
}
Object.assign(assert, base, { ok });

function strict(...args) {
  innerOk(strict, args.length, ...args);
}
Object.assign(strict, base.strict, { ok: strict, strict });
assert.strict = strict;

export default fixNames(assert);
