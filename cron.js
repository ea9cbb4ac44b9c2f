"use strict";
/**
 * Cron jobs of a VM: `scheduleCron`, `listCronJobs`, `cancelCronJob`, `onCronEvent`.
 *
 * Expressions are parsed and their fire times computed in Rust (`src/cron/`, the `croner`
 * crate); the timers and the actions live here on the JS thread, because every action (`exec`
 * in the VM, an agent session, a JS callback) is driven from it. Timers are `unref`'d: pending
 * cron jobs never keep the Node process alive, and they all stop when the VM is disposed.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.CronManager = exports.TimerScheduleDriver = void 0;
const binding_js_1 = require("./binding.js");
/**
 * Parse a schedule (throws `ERR_AGENT_OS_INVALID_CRON`). One word that is a valid date is a
 * one-shot job; anything else must be a cron expression.
 */
function parseSchedule(schedule) {
    if (typeof schedule !== "string") {
        throw Object.assign(new Error("ERR_AGENT_OS_INVALID_CRON: schedule must be a string"), { code: "ERR_AGENT_OS_INVALID_CRON" });
    }
    const trimmed = schedule.trim();
    if (trimmed !== "" && !/\s/.test(trimmed) && !trimmed.startsWith("@")) {
        const at = Date.parse(trimmed);
        if (!Number.isNaN(at))
            return { at, next: (after) => (after < at ? at : undefined) };
    }
    const native = binding_js_1.NativeCronSchedule.parse(schedule);
    return { next: (after) => native.nextAfter(after) ?? undefined };
}
/** Longest delay `setTimeout` takes; longer waits re-arm on waking. */
const MAX_DELAY = 2 ** 31 - 1;
const REAL_CLOCK = {
    now: () => Date.now(),
    setTimer(fn, ms) {
        const t = setTimeout(fn, ms);
        t.unref();
        return t;
    },
    clearTimer: (h) => clearTimeout(h),
};
/**
 * The default `ScheduleDriver`: one timer per job for its next fire time, re-armed after each
 * tick from the time it fired (ticks missed while the host was busy or asleep are skipped, not
 * replayed). Timers are `unref`'d on the real clock.
 */
class TimerScheduleDriver {
    #clock;
    #jobs = new Map();
    constructor(clock = REAL_CLOCK) {
        this.#clock = clock;
    }
    now() {
        return this.#clock.now();
    }
    schedule(entry) {
        const { next } = parseSchedule(entry.schedule);
        const handle = { id: entry.id };
        const s = { entry, next, cancelled: false };
        this.#jobs.set(handle, s);
        this.#armNext(handle, s, this.#clock.now());
        return handle;
    }
    cancel(handle) {
        const s = this.#jobs.get(handle);
        if (!s)
            return;
        s.cancelled = true;
        if (s.timer !== undefined)
            this.#clock.clearTimer(s.timer);
        this.#jobs.delete(handle);
    }
    dispose() {
        for (const handle of [...this.#jobs.keys()])
            this.cancel(handle);
    }
    #armNext(handle, s, after) {
        const due = s.next(after);
        if (due === undefined) {
            this.#jobs.delete(handle);
            return;
        }
        this.#arm(handle, s, due);
    }
    #arm(handle, s, due) {
        const delay = Math.min(Math.max(0, due - this.#clock.now()), MAX_DELAY);
        s.timer = this.#clock.setTimer(() => this.#wake(handle, s, due), delay);
    }
    #wake(handle, s, due) {
        s.timer = undefined;
        if (s.cancelled)
            return;
        const now = this.#clock.now();
        if (now < due) {
            this.#arm(handle, s, due); // woke early, or a wait longer than MAX_DELAY
            return;
        }
        try {
            const r = s.entry.callback();
            if (r && typeof r.then === "function")
                r.then(undefined, () => { });
        }
        catch {
            // The callback reports its own failures (as `cron:error` events).
        }
        if (!s.cancelled)
            this.#armNext(handle, s, Math.max(now, due));
    }
}
exports.TimerScheduleDriver = TimerScheduleDriver;
const OVERLAPS = new Set(["allow", "skip", "queue"]);
const ACTIONS = new Set(["exec", "session", "callback"]);
/** Shell-quote one argument: `'...'` with embedded quotes as `'\''`. */
function quote(arg) {
    return `'${arg.replace(/'/g, `'\\''`)}'`;
}
/** The cron jobs of one VM. */
class CronManager {
    #host;
    #driver;
    #ownDriver;
    #now;
    #jobs = new Map();
    #listeners = [];
    #disposed = false;
    constructor(host, driver) {
        this.#host = host;
        this.#ownDriver = driver === undefined;
        this.#driver = driver ?? new TimerScheduleDriver();
        this.#now = typeof this.#driver.now === "function" ? () => this.#driver.now() : () => Date.now();
    }
    get disposed() {
        return this.#disposed;
    }
    schedule(options) {
        const invalid = (m) => this.#host.error("ERR_AGENT_OS_INVALID_OPTIONS", `scheduleCron: ${m}`);
        if (typeof options !== "object" || options === null)
            throw invalid("options must be an object");
        const { id = crypto.randomUUID(), schedule, action, overlap = "skip" } = options;
        if (typeof id !== "string" || id === "")
            throw invalid("`id` must be a non-empty string");
        if (!OVERLAPS.has(overlap))
            throw invalid("`overlap` must be \"allow\", \"skip\" or \"queue\"");
        if (typeof action !== "object" || action === null || !ACTIONS.has(action.type)) {
            throw invalid("`action.type` must be \"exec\", \"session\" or \"callback\"");
        }
        if (action.type === "exec" && (typeof action.command !== "string" || (action.args !== undefined && !Array.isArray(action.args)))) {
            throw invalid("an exec action needs a `command` string and optional `args` array");
        }
        if (action.type === "session" && (typeof action.agentType !== "string" || typeof action.prompt !== "string")) {
            throw invalid("a session action needs `agentType` and `prompt` strings");
        }
        if (action.type === "callback" && typeof action.fn !== "function")
            throw invalid("a callback action needs `fn`");
        if (typeof schedule !== "string")
            throw this.#host.error("ERR_AGENT_OS_INVALID_CRON", "scheduleCron: `schedule` must be a string");
        let parsed;
        try {
            parsed = parseSchedule(schedule);
        }
        catch (err) {
            throw this.#host.wrap(err);
        }
        this.cancel(id); // an existing job of this id is replaced
        const job = { id, schedule, action, overlap, next: parsed.next, at: parsed.at, runCount: 0, active: 0, queued: false, removed: false };
        this.#jobs.set(id, job);
        try {
            job.handle = this.#driver.schedule({ id, schedule, callback: () => this.#tick(job) });
        }
        catch (err) {
            this.#jobs.delete(id);
            throw this.#host.wrap(err);
        }
        return { id, cancel: () => this.#remove(job) };
    }
    cancel(id) {
        const job = this.#jobs.get(id);
        if (job)
            this.#remove(job);
    }
    list() {
        const now = this.#now();
        return [...this.#jobs.values()].map((j) => {
            const next = j.at !== undefined ? (j.runCount === 0 && !j.queued ? j.at : undefined) : j.next(now);
            return {
                id: j.id,
                schedule: j.schedule,
                action: j.action,
                overlap: j.overlap,
                lastRun: j.lastRun === undefined ? undefined : new Date(j.lastRun),
                nextRun: next === undefined ? undefined : new Date(next),
                runCount: j.runCount,
                running: j.active > 0,
            };
        });
    }
    onEvent(handler) {
        if (typeof handler !== "function")
            throw this.#host.error("ERR_AGENT_OS_INVALID_OPTIONS", "onCronEvent: handler must be a function");
        this.#listeners.push(handler);
    }
    /** Cancel every job and stop reporting events (runs in progress are abandoned with the VM). */
    dispose() {
        if (this.#disposed)
            return;
        this.#disposed = true;
        for (const job of [...this.#jobs.values()])
            this.#remove(job);
        this.#listeners = [];
        if (this.#ownDriver)
            this.#driver.dispose();
    }
    #remove(job) {
        if (job.removed)
            return;
        job.removed = true;
        job.queued = false;
        if (this.#jobs.get(job.id) === job)
            this.#jobs.delete(job.id);
        if (job.handle)
            this.#driver.cancel(job.handle);
    }
    #emit(event) {
        if (this.#disposed)
            return;
        for (const handler of this.#listeners) {
            try {
                handler(event);
            }
            catch {
                // A throwing listener must not stop the job or the other listeners.
            }
        }
    }
    #tick(job) {
        if (job.removed || this.#disposed)
            return undefined;
        if (job.active > 0 && job.overlap === "skip")
            return undefined;
        if (job.active > 0 && job.overlap === "queue") {
            job.queued = true;
            return undefined;
        }
        return this.#run(job);
    }
    async #run(job) {
        job.active++;
        job.runCount++;
        const start = this.#now();
        job.lastRun = start;
        this.#emit({ type: "cron:fire", jobId: job.id, time: new Date(start) });
        try {
            await this.#runAction(job);
            const end = this.#now();
            this.#emit({ type: "cron:complete", jobId: job.id, time: new Date(end), durationMs: end - start });
        }
        catch (err) {
            const end = this.#now();
            const error = err instanceof Error ? err : new Error(String(err));
            this.#emit({ type: "cron:error", jobId: job.id, time: new Date(end), durationMs: end - start, error });
        }
        finally {
            job.active--;
            if (job.active === 0 && job.queued && !job.removed && !this.#disposed) {
                job.queued = false;
                void this.#run(job);
            }
        }
    }
    async #runAction(job) {
        const action = job.action;
        switch (action.type) {
            case "exec": {
                const line = [action.command, ...(action.args ?? []).map((a) => quote(String(a)))].join(" ");
                const r = await this.#host.exec(line);
                if (r.exitCode !== 0) {
                    const detail = r.stderr.trim().slice(0, 500);
                    const err = this.#host.error("ERR_AGENT_OS_CRON_ACTION_FAILED", `cron job '${job.id}': \`${line}\` exited with code ${r.exitCode}${detail ? `: ${detail}` : ""}`);
                    throw Object.assign(err, { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
                }
                return;
            }
            case "session": {
                const { sessionId } = await this.#host.createSession(action.agentType, action.options);
                try {
                    await this.#host.prompt(sessionId, action.prompt);
                }
                finally {
                    try {
                        this.#host.closeSession(sessionId);
                    }
                    catch {
                        // Already closed (the agent exited, or the VM was disposed).
                    }
                }
                return;
            }
            case "callback":
                await action.fn();
                return;
        }
    }
}
exports.CronManager = CronManager;
