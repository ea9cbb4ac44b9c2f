const pino = require("pino");
// Fixed time and no pid/hostname, so the lines are stable.
const log = pino({ base: undefined, timestamp: () => ',"time":1600000000000', level: "debug" });
log.info("hello %s", "world");
log.debug({ user: { id: 7 } }, "with object");
const child = log.child({ mod: "db" });
child.warn({ err: new Error("boom") }.err ? { code: 42 } : {}, "child warn");
log.trace("not shown");
log.flush?.();
