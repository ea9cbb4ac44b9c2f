// The builtin module table: name -> factory (evaluated once, in the snapshot).
// `module`, `process` and `timers` are added by bootstrap.js.

import path from "./path.js";
import * as stream from "./stream.js";
import streamPromises from "./stream_promises.js";
import events from "./events.js";
import buffer from "./buffer.js";
import util from "./util.js";
import string_decoder from "./string_decoder.js";
import assert from "./assert.js";
import fs from "./fs.js";
import child_process from "./child_process.js";
import crypto from "./crypto.js";
import os from "./os.js";
import readline from "./readline.js";
import tty from "./tty.js";
import perf_hooks from "./perf_hooks.js";
import async_hooks from "./async_hooks.js";
import worker_threads from "./worker_threads.js";
import timersPromises from "./timers_promises.js";
import url from "./url.js";
import querystring from "./querystring.js";
import zlib from "./zlib.js";
import consoleModule from "./console.js";
import vm from "./vm.js";
import unsupported from "./unsupported.js";

const streamModule = stream.default;

export const builtins = {
  path: () => path,
  "path/posix": () => path,
  "path/win32": () => path.win32,
  stream: () => streamModule,
  "stream/promises": () => streamPromises,
  "stream/web": () => ({ ReadableStream: globalThis.ReadableStream, WritableStream: globalThis.WritableStream, TransformStream: globalThis.TransformStream }),
  events: () => events,
  buffer: () => buffer,
  util: () => util,
  "util/types": () => util.types,
  string_decoder: () => string_decoder,
  assert: () => assert,
  "assert/strict": () => assert.strict,
  fs: () => fs,
  "fs/promises": () => fs.promises,
  child_process: () => child_process,
  crypto: () => crypto,
  os: () => os,
  readline: () => readline,
  "readline/promises": () => readline.promises,
  tty: () => tty,
  perf_hooks: () => perf_hooks,
  async_hooks: () => async_hooks,
  worker_threads: () => worker_threads,
  "timers/promises": () => timersPromises,
  url: () => url,
  querystring: () => querystring,
  zlib: () => zlib,
  console: () => consoleModule,
  vm: () => vm,
  ...unsupported,
};
