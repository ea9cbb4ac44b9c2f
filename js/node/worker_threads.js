// `worker_threads`: the guest is always the main thread. Workers are not supported in the VM
// (each guest process is one isolate); MessageChannel/BroadcastChannel work in-process.

import { MessageChannel, MessagePort, BroadcastChannel, receiveMessageOnPort } from "./web.js";
import { structuredClone } from "./internal/globals.js";
import { fixNames } from "./internal/names.js";

function notSupported() {
  const e = new Error("Worker threads are not supported in the agentOS VM");
  e.code = "ERR_NOT_SUPPORTED";
  return e;
}

export class Worker {
  constructor() {
    throw notSupported();
  }
}

const environmentData = new Map();

export default fixNames({
  isMainThread: true,
  parentPort: null,
  workerData: null,
  threadId: 0,
  resourceLimits: {},
  SHARE_ENV: Symbol.for("nodejs.worker_threads.SHARE_ENV"),
  Worker,
  MessageChannel,
  MessagePort,
  BroadcastChannel,
  getEnvironmentData: (key) => environmentData.get(key),
  setEnvironmentData: (key, value) => {
    if (value === undefined) environmentData.delete(key);
    else environmentData.set(key, value);
  },
  markAsUntransferable: () => {},
  isMarkedAsUntransferable: () => false,
  markAsUncloneable: () => {},
  moveMessagePortToContext: () => {
    throw notSupported();
  },
  receiveMessageOnPort,
  postMessageToThread: async () => {
    throw notSupported();
  },
  structuredClone,
});
