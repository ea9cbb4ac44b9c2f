// `readline` and `readline/promises`: line-by-line reading of a stream (Node's non-terminal
// Interface: the VM has no TTYs, so there is no line editing, history or completion UI).
// Lines end at \n, \r\n or \r; the last unterminated line is emitted at end of input.

import { EventEmitter, on } from "./events.js";
import { StringDecoder } from "./string_decoder.js";
import { AbortError } from "./internal/errors.js";
import { fixNames } from "./internal/names.js";

const kQuestion = Symbol("question");
const kDecoder = Symbol("decoder");
const kSawCR = Symbol("sawCR");

function invalidArgType(name, expected, value) {
  return Object.assign(new TypeError(`The "${name}" argument must be ${expected}. Received ${value === null ? "null" : typeof value}`), { code: "ERR_INVALID_ARG_TYPE" });
}

function useAfterClose() {
  return Object.assign(new Error("readline was closed"), { code: "ERR_USE_AFTER_CLOSE" });
}

export class Interface extends EventEmitter {
  constructor(input, output, completer, terminal) {
    super();
    // createInterface(options) or createInterface(input, output, completer, terminal).
    const opts = input?.input ? input : { input, output, completer, terminal };
    if (opts.input === undefined || opts.input === null) throw invalidArgType("input", "an instance of Stream", opts.input);
    if (opts.completer !== undefined && typeof opts.completer !== "function") throw invalidArgType("completer", "of type function", opts.completer);
    this.input = opts.input;
    this.output = opts.output;
    this.terminal = !!(opts.terminal ?? this.output?.isTTY);
    this.line = "";
    this.cursor = 0;
    this.history = Array.isArray(opts.history) ? opts.history.slice() : [];
    this.historySize = opts.historySize ?? 30;
    this.crlfDelay = Math.max(100, Number(opts.crlfDelay ?? 100));
    this.closed = false;
    this.paused = false;
    this._prompt = opts.prompt ?? "> ";
    this[kQuestion] = null;
    this[kDecoder] = new StringDecoder("utf8");
    this[kSawCR] = false;

    this._ondata = (chunk) => this.#onData(chunk);
    this._onend = () => {
      const rest = this[kDecoder].end();
      if (rest) this.line += rest;
      if (this.line.length > 0) this.#emitLine(this.line);
      this.line = "";
      this.close();
    };
    this._onerror = (err) => this.emit("error", err);
    this.input.on("data", this._ondata);
    this.input.on("end", this._onend);
    this.input.on("error", this._onerror);
    if (opts.signal) {
      if (opts.signal.aborted) queueMicrotask(() => this.close());
      else opts.signal.addEventListener("abort", () => this.close(), { once: true });
    }
    this.input.resume?.();
  }

  #onData(chunk) {
    let s = typeof chunk === "string" ? chunk : this[kDecoder].write(chunk);
    // A \r\n split across chunks is one line end.
    if (this[kSawCR] && s.startsWith("\n")) s = s.slice(1);
    this[kSawCR] = false;
    const parts = (this.line + s).split(/\r\n|\n|\r/);
    this.line = parts.pop();
    if (s.endsWith("\r")) this[kSawCR] = true;
    for (const l of parts) {
      if (this.closed) break;
      this.#emitLine(l);
    }
  }

  #emitLine(line) {
    const q = this[kQuestion];
    if (q) {
      this[kQuestion] = null;
      q(line);
    } else {
      this.emit("line", line);
    }
  }

  getPrompt() {
    return this._prompt;
  }
  setPrompt(prompt) {
    this._prompt = `${prompt}`;
  }
  prompt() {
    if (this.closed) throw useAfterClose();
    if (this.paused) this.resume();
    this.output?.write?.(this._prompt);
  }
  question(query, options, cb) {
    if (typeof options === "function") [cb, options] = [options, {}];
    if (this.closed) throw useAfterClose();
    if (typeof cb !== "function") return;
    if (this[kQuestion]) {
      this.prompt();
      return;
    }
    const signal = options?.signal;
    if (signal?.aborted) return;
    let onAbort;
    this[kQuestion] = (answer) => {
      if (signal) signal.removeEventListener("abort", onAbort);
      cb(answer);
    };
    if (signal) {
      onAbort = () => {
        this[kQuestion] = null;
      };
      signal.addEventListener("abort", onAbort, { once: true });
    }
    if (this.paused) this.resume();
    this.output?.write?.(`${query}`);
  }
  write(data) {
    if (this.closed) throw useAfterClose();
    if (this.paused) this.resume();
    // Without a terminal, written data is handled as if it came from the input.
    if (typeof data === "string" || data instanceof Uint8Array) this.#onData(data);
  }
  pause() {
    if (this.paused) return this;
    this.input.pause?.();
    this.paused = true;
    this.emit("pause");
    return this;
  }
  resume() {
    if (!this.paused) return this;
    this.input.resume?.();
    this.paused = false;
    this.emit("resume");
    return this;
  }
  close() {
    if (this.closed) return;
    this.pause();
    this.input.removeListener("data", this._ondata);
    this.input.removeListener("end", this._onend);
    this.input.removeListener("error", this._onerror);
    this.closed = true;
    this.emit("close");
  }
  [Symbol.dispose]() {
    this.close();
  }
  getCursorPos() {
    return { rows: 0, cols: this.cursor };
  }
  [Symbol.asyncIterator]() {
    const events = on(this, "line", { close: ["close"] });
    const rl = this;
    if (this.closed) {
      events.return();
    }
    return {
      async next() {
        const r = await events.next();
        return r.done ? r : { value: r.value[0], done: false };
      },
      async return() {
        rl.close();
        return events.return();
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

export function createInterface(input, output, completer, terminal) {
  return new Interface(input, output, completer, terminal);
}

// Cursor helpers write ANSI sequences to the stream, as Node's do (whatever the stream is).
function done(cb) {
  if (typeof cb === "function") process.nextTick(cb, null);
  return true;
}

export function clearLine(stream, dir, cb) {
  if (stream == null) return done(cb);
  return stream.write(dir < 0 ? "\x1b[1K" : dir > 0 ? "\x1b[0K" : "\x1b[2K", cb);
}

export function clearScreenDown(stream, cb) {
  if (stream == null) return done(cb);
  return stream.write("\x1b[0J", cb);
}

export function cursorTo(stream, x, y, cb) {
  if (typeof y === "function") [cb, y] = [y, undefined];
  if (stream == null || (typeof x !== "number" && typeof y !== "number")) return done(cb);
  if (typeof x !== "number") throw Object.assign(new TypeError("Cannot set cursor row without setting its column"), { code: "ERR_INVALID_CURSOR_POS" });
  return stream.write(typeof y === "number" ? `\x1b[${y + 1};${x + 1}H` : `\x1b[${x + 1}G`, cb);
}

export function moveCursor(stream, dx, dy, cb) {
  if (stream == null || !(dx || dy)) return done(cb);
  let s = "";
  if (dx) s += dx < 0 ? `\x1b[${-dx}D` : `\x1b[${dx}C`;
  if (dy) s += dy < 0 ? `\x1b[${-dy}A` : `\x1b[${dy}B`;
  return stream.write(s, cb);
}

const kKeypress = Symbol("keypressDecoder");
const NAMES = { "\r": "return", "\n": "enter", "\t": "tab", "\b": "backspace", "\x7f": "backspace", "\x1b": "escape", " ": "space" };

/// Makes `stream` emit 'keypress' (str, key) for each character it reads: plain characters and
/// control keys; escape sequences are not decoded.
export function emitKeypressEvents(stream) {
  if (stream[kKeypress]) return;
  const decoder = new StringDecoder("utf8");
  stream[kKeypress] = decoder;
  const onData = (chunk) => {
    if (stream.listenerCount("keypress") === 0) return;
    const s = typeof chunk === "string" ? chunk : decoder.write(chunk);
    for (const ch of s) {
      const code = ch.codePointAt(0);
      const key = { sequence: ch, name: undefined, ctrl: false, meta: false, shift: false };
      if (NAMES[ch]) key.name = NAMES[ch];
      else if (code < 27) {
        key.name = String.fromCharCode(code + 96);
        key.ctrl = true;
      } else if (/^[a-z0-9]$/.test(ch)) key.name = ch;
      else if (/^[A-Z]$/.test(ch)) {
        key.name = ch.toLowerCase();
        key.shift = true;
      }
      stream.emit("keypress", ch, key);
    }
  };
  stream.on("newListener", function listen(event) {
    if (event === "keypress") {
      stream.on("data", onData);
      stream.removeListener("newListener", listen);
    }
  });
}

// --- readline/promises --------------------------------------------------------------------------

class PromisesInterface extends Interface {
  question(query, options = {}) {
    return new Promise((resolve, reject) => {
      const signal = options?.signal;
      if (signal?.aborted) {
        reject(new AbortError(undefined, { cause: signal.reason }));
        return;
      }
      if (this.closed) {
        reject(useAfterClose());
        return;
      }
      if (signal) {
        signal.addEventListener(
          "abort",
          () => reject(new AbortError(undefined, { cause: signal.reason })),
          { once: true },
        );
      }
      super.question(query, options, resolve);
    });
  }
}

/// readline/promises Readline: queues cursor actions, written on commit().
class Readline {
  #stream;
  #todo = [];
  #autoCommit;
  constructor(stream, options = {}) {
    this.#stream = stream;
    this.#autoCommit = !!options.autoCommit;
  }
  #queue(s) {
    if (this.#autoCommit) this.#stream.write(s);
    else this.#todo.push(s);
    return this;
  }
  clearLine(dir) {
    return this.#queue(dir < 0 ? "\x1b[1K" : dir > 0 ? "\x1b[0K" : "\x1b[2K");
  }
  clearScreenDown() {
    return this.#queue("\x1b[0J");
  }
  cursorTo(x, y) {
    return this.#queue(typeof y === "number" ? `\x1b[${y + 1};${x + 1}H` : `\x1b[${x + 1}G`);
  }
  moveCursor(dx, dy) {
    let s = "";
    if (dx) s += dx < 0 ? `\x1b[${-dx}D` : `\x1b[${dx}C`;
    if (dy) s += dy < 0 ? `\x1b[${-dy}A` : `\x1b[${dy}B`;
    return s ? this.#queue(s) : this;
  }
  commit() {
    const s = this.#todo.join("");
    this.#todo = [];
    return new Promise((resolve) => (s ? this.#stream.write(s, () => resolve()) : resolve()));
  }
  rollback() {
    this.#todo = [];
    return this;
  }
}

export const promises = fixNames({
  Interface: PromisesInterface,
  Readline,
  createInterface: (input, output, completer, terminal) => new PromisesInterface(input, output, completer, terminal),
});

export default fixNames({
  Interface,
  createInterface,
  clearLine,
  clearScreenDown,
  cursorTo,
  moveCursor,
  emitKeypressEvents,
  promises,
});
