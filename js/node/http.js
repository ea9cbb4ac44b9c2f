// `http`: HTTP/1.1 client and server over the VM's TCP (./net.js). Messages are parsed by
// http-parser-js; the pieces live in internal/http_*.js:
//   http_common    errors, validation, METHODS/STATUS_CODES, parser glue
//   http_incoming  IncomingMessage        http_outgoing  OutgoingMessage
//   http_server    Server, ServerResponse http_client    ClientRequest
//   http_agent     Agent, globalAgent

import { fixNames } from "./internal/names.js";
import {
  METHODS,
  STATUS_CODES,
  maxHeaderSize,
  validateHeaderName,
  validateHeaderValue,
  errInvalidArgType,
} from "./internal/http_common.js";
import { IncomingMessage } from "./internal/http_incoming.js";
import { OutgoingMessage } from "./internal/http_outgoing.js";
import { Server, ServerResponse } from "./internal/http_server.js";
import { ClientRequest } from "./internal/http_client.js";
import { Agent, agentState } from "./internal/http_agent.js";

export { METHODS, STATUS_CODES, maxHeaderSize, Agent, ClientRequest, IncomingMessage, OutgoingMessage, Server, ServerResponse };

export function createServer(opts, requestListener) {
  return new Server(opts, requestListener);
}

export function request(url, options, cb) {
  return new ClientRequest(url, options, cb);
}

export function get(url, options, cb) {
  const req = request(url, options, cb);
  req.end();
  return req;
}

export { validateHeaderName, validateHeaderValue };

/// Node pools its native parsers; http-parser-js parsers are plain objects, so only the
/// argument is checked.
export function setMaxIdleHTTPParsers(max) {
  if (typeof max !== "number" || !Number.isInteger(max)) throw errInvalidArgType("max", "of type number", max);
  if (max < 1) {
    const e = new RangeError(`The value of "max" is out of range. It must be >= 1. Received ${max}`);
    e.code = "ERR_OUT_OF_RANGE";
    throw e;
  }
}

const http = fixNames({
  METHODS,
  STATUS_CODES,
  Agent,
  ClientRequest,
  IncomingMessage,
  OutgoingMessage,
  Server,
  ServerResponse,
  createServer,
  validateHeaderName,
  validateHeaderValue,
  get,
  request,
  setMaxIdleHTTPParsers,
  maxHeaderSize,
});

// `http.globalAgent` can be replaced (`http.globalAgent = new Agent(...)`), and requests then
// use the new one; the named export is a live binding of the same value.
export let globalAgent = agentState.globalAgent;
Object.defineProperty(http, "globalAgent", {
  configurable: true,
  enumerable: true,
  get: () => agentState.globalAgent,
  set: (v) => {
    globalAgent = agentState.globalAgent = v;
  },
});

export default http;
