"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.encodeError = encodeError;
exports.decodeError = decodeError;
/** Encode a thrown value for the other side. */
function encodeError(err) {
    if (err instanceof Error) {
        const props = {};
        for (const [k, v] of Object.entries(err)) {
            if (v === undefined || typeof v === "function" || (typeof v === "object" && v !== null))
                continue;
            props[k] = v;
        }
        return { message: err.message, props };
    }
    return { message: String(err), props: {} };
}
/** Rebuild a thrown error on this side: same message, same `code` and other properties. */
function decodeError(e) {
    return Object.assign(new Error(e.message), e.props);
}
/** Event batches the parent may have unhandled before this process holds events back. */
const EVENT_WINDOW = 16;
function serve() {
    const binding = require("./binding.js");
    const send = (m) => {
        try {
            process.send?.(m);
        }
        catch {
            // The parent is gone: `disconnect` ends this process.
        }
    };
    const handles = new Map();
    let nextHandle = 1;
    const register = (o) => {
        const h = nextHandle++;
        handles.set(h, o);
        return h;
    };
    // Flow control of event batches (see `ack` above).
    let batchesSent = 0;
    let batchesHandled = 0;
    let held = false;
    const holdEvents = (on) => {
        held = on;
        for (const o of handles.values())
            if (o instanceof binding.NativeVm)
                o.pauseEvents(on);
    };
    const sendBatch = (cb, a) => {
        // A held VM's event channel still calls with no events: nothing to send or count.
        if (a.length === 1 && Array.isArray(a[0]) && a[0].length === 0)
            return;
        send({ t: "cb", cb, a });
        // Every VM is held, again: one created since the last hold is held too.
        if (++batchesSent - batchesHandled >= EVENT_WINDOW)
            holdEvents(true);
    };
    // Answers the parent owes to callback stubs, by request id.
    const waiting = new Map();
    let nextRequest = 1;
    const ask = (cb, a) => new Promise((resolve, reject) => {
        const r = nextRequest++;
        waiting.set(r, { resolve, reject });
        send({ t: "cb", cb, a, r });
    });
    const globals = {
        create: (limits) => binding.NativeVm.create(limits),
        createNativeMemoryFs: () => binding.createNativeMemoryFs(),
        createNativeHostDir: (p, ro) => binding.createNativeHostDir(p, ro),
        createNativeS3: (c, ro) => binding.createNativeS3(c, ro),
        defaultSidecarVmCount: () => binding.defaultSidecarVmCount(),
    };
    /** A filesystem of the parent, as a JS driver here: each operation is run there. */
    const parentFs = (cb) => binding.createNativeJsDriver((call) => {
        ask(cb, [call]).then((reply) => {
            try {
                binding.jsDriverReply(call.driver, call.id, reply);
            }
            catch {
                binding.jsDriverReply(call.driver, call.id, { error: "EIO" });
            }
        }, () => binding.jsDriverReply(call.driver, call.id, { error: "EIO" }));
    });
    const decodeArg = (v) => {
        if (typeof v !== "object" || v === null)
            return v;
        const o = v;
        if (typeof o.$h === "number") {
            const target = handles.get(o.$h);
            if (!target)
                throw Object.assign(new Error(`ERR_AGENT_OS_INTERNAL: unknown sidecar handle ${o.$h}`), { code: "ERR_AGENT_OS_INTERNAL" });
            return target;
        }
        if (typeof o.$cb === "number") {
            const cb = o.$cb;
            return o.r ? (...a) => ask(cb, a) : (...a) => sendBatch(cb, a);
        }
        if (typeof o.$drv === "number")
            return parentFs(o.$drv);
        return v;
    };
    const encodeResult = (v) => {
        if (v instanceof binding.NativeVm) {
            const h = register(v);
            // The VM's filesystem comes with it: one round trip for `AgentOs.create()`.
            return { $h: h, vm: v.id, fs: register(v.filesystem()) };
        }
        if (v instanceof binding.NativeFs)
            return { $h: register(v), fs: true };
        return v;
    };
    const run = (m) => {
        const reply = (r) => {
            if (m.id !== 0)
                send(r);
        };
        try {
            const target = m.h === 0 ? globals : handles.get(m.h);
            if (!target)
                throw Object.assign(new Error(`ERR_AGENT_OS_INTERNAL: unknown sidecar handle ${m.h}`), { code: "ERR_AGENT_OS_INTERNAL" });
            const f = target[m.m];
            if (typeof f !== "function") {
                throw Object.assign(new Error(`ERR_AGENT_OS_INTERNAL: no native method \`${m.m}\``), { code: "ERR_AGENT_OS_INTERNAL" });
            }
            const out = f.apply(target, m.a.map(decodeArg));
            if (out !== null && typeof out === "object" && typeof out.then === "function") {
                out.then((v) => reply({ t: "ret", id: m.id, v: encodeResult(v) }), (err) => reply({ t: "err", id: m.id, e: encodeError(err) }));
            }
            else {
                reply({ t: "ret", id: m.id, v: encodeResult(out) });
            }
        }
        catch (err) {
            reply({ t: "err", id: m.id, e: encodeError(err) });
        }
    };
    process.on("message", (raw) => {
        const m = raw;
        switch (m.t) {
            case "call":
                run(m);
                break;
            case "cbret": {
                const w = waiting.get(m.r);
                waiting.delete(m.r);
                if (w)
                    m.e ? w.reject(decodeError(m.e)) : w.resolve(m.v);
                break;
            }
            case "ack":
                batchesHandled = m.n;
                if (held && batchesSent - batchesHandled <= EVENT_WINDOW / 2)
                    holdEvents(false);
                break;
            case "release": {
                // The parent dropped its proxy: a VM is disposed now (not whenever this process's GC
                // runs), as the in-process binding disposes a collected VM.
                const o = handles.get(m.h);
                handles.delete(m.h);
                if (o instanceof binding.NativeVm)
                    o.dispose();
                break;
            }
            case "exit":
                process.exit(0);
        }
    });
    process.on("disconnect", () => process.exit(0));
    send({ t: "ready", pid: process.pid });
}
if (require.main === module)
    serve();
