import { type MessagePort } from "node:worker_threads";
/** What the JS thread hands the worker. */
export interface SidecarWorkerData {
    /** Where the JS thread reads answers to synchronous calls. */
    syncPort: MessagePort;
    /** `Int32Array` over it: slot 0 is set to 1 when an answer is on `syncPort`. */
    flag: SharedArrayBuffer;
}
