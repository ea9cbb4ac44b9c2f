/** An error as it crosses the boundary: its message and own enumerable properties (`code`, `errno`, `path`, ...). */
export interface WireError {
    message: string;
    props: Record<string, unknown>;
}
/** Encode a thrown value for the other side. */
export declare function encodeError(err: unknown): WireError;
/** Rebuild a thrown error on this side: same message, same `code` and other properties. */
export declare function decodeError(e: WireError): Error;
/** A message between the parent and the child (see the protocol above). */
export type WireMessage = {
    t: "call";
    id: number;
    h: number;
    m: string;
    a: unknown[];
    sync?: boolean;
} | {
    t: "ret";
    id: number;
    v: unknown;
} | {
    t: "err";
    id: number;
    e: WireError;
} | {
    t: "cb";
    cb: number;
    a: unknown[];
    r?: number;
} | {
    t: "cbret";
    r: number;
    v?: unknown;
    e?: WireError;
} | {
    t: "release";
    h: number;
} | {
    t: "ack";
    n: number;
} | {
    t: "ready";
    pid: number;
} | {
    t: "exit";
    code?: number | null;
    signal?: string | null;
};
