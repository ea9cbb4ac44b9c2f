/**
 * Cron jobs of a VM: `scheduleCron`, `listCronJobs`, `cancelCronJob`, `onCronEvent`.
 *
 * Expressions are parsed and their fire times computed in Rust (`src/cron/`, the `croner`
 * crate); the timers and the actions live here on the JS thread, because every action (`exec`
 * in the VM, an agent session, a JS callback) is driven from it. Timers are `unref`'d: pending
 * cron jobs never keep the Node process alive, and they all stop when the VM is disposed.
 */

import { NativeCronSchedule } from "./binding.js";
import type { CreateSessionOptions } from "./sessions.js";

/** What a cron job does when it fires. */
export type CronAction =
  /**
   * Run `command` with the VM's shell (as `vm.exec` does); each of `args` is appended
   * shell-quoted, so it reaches the command as one argument, unexpanded. A non-zero exit code
   * is reported as a `cron:error` with code `ERR_AGENT_OS_CRON_ACTION_FAILED`.
   */
  | { type: "exec"; command: string; args?: string[] }
  /** Open a session of `agentType`, send `prompt`, wait for the turn to end, close it. */
  | { type: "session"; agentType: string; prompt: string; options?: CreateSessionOptions }
  /** Call `fn` on the host; a throw or rejection is reported as a `cron:error`. */
  | { type: "callback"; fn: () => void | Promise<void> };

/** Options of `scheduleCron`. */
export interface CronJobOptions {
  /**
   * The job's id; a random UUID if omitted. Scheduling an id that already exists replaces
   * that job (its timer is cancelled; a run already in progress finishes).
   */
  id?: string;
  /**
   * A cron expression: 5 fields (`min hour day-of-month month day-of-week`) or 6 with seconds
   * first; ranges, steps, lists and names (`MON-FRI`, `JAN,JUL`); `@hourly`-style nicknames.
   * Evaluated in the host's local time zone. Or an ISO 8601 date for a one-shot job.
   */
  schedule: string;
  /** What to do when the schedule fires. */
  action: CronAction;
  /**
   * When a tick comes while the previous run is still going: `"skip"` (default) drops the tick,
   * `"queue"` runs once more as soon as the current run ends (ticks coalesce: at most one run
   * waits), `"allow"` starts another run alongside.
   */
  overlap?: "allow" | "skip" | "queue";
}

/** A scheduled job. */
export interface CronJob {
  id: string;
  /** Cancel the job (a run in progress finishes). Idempotent. */
  cancel(): void;
}

/** A job as `listCronJobs` reports it. */
export interface CronJobInfo {
  id: string;
  schedule: string;
  action: CronAction;
  overlap: "allow" | "skip" | "queue";
  /** When the latest run started. */
  lastRun?: Date;
  /** When it fires next; absent for a one-shot job that already fired. */
  nextRun?: Date;
  /** How many runs have started. */
  runCount: number;
  /** Whether a run is in progress. */
  running: boolean;
}

/** A cron lifecycle event. `time` is read from the schedule driver's clock. */
export type CronEvent =
  | { type: "cron:fire"; jobId: string; time: Date }
  | { type: "cron:complete"; jobId: string; time: Date; durationMs: number }
  | { type: "cron:error"; jobId: string; time: Date; durationMs: number; error: Error };

export type CronEventHandler = (event: CronEvent) => void;

/** One job handed to a `ScheduleDriver`. */
export interface ScheduleEntry {
  id: string;
  /** A cron expression or an ISO 8601 date (one-shot), as given to `scheduleCron`. */
  schedule: string;
  /** Call on every tick; the driver need not await it. */
  callback: () => void | Promise<void>;
}

export interface ScheduleHandle {
  id: string;
}

/**
 * Decides when jobs fire. The default is a `TimerScheduleDriver` on the real clock; pass your
 * own as `AgentOs.create({ scheduleDriver })` (a durable scheduler, or a fake clock in tests).
 */
export interface ScheduleDriver {
  schedule(entry: ScheduleEntry): ScheduleHandle;
  cancel(handle: ScheduleHandle): void;
  dispose(): void;
  /** The driver's clock (ms since the epoch): `nextRun` and event times are read from it. Default `Date.now`. */
  now?(): number;
}

/** The clock a `TimerScheduleDriver` runs on. Tests pass a fake one to move time by hand. */
export interface CronClock {
  now(): number;
  /** Call `fn` after `ms` milliseconds of this clock. */
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** A parsed schedule: the next fire time strictly after a time, or `undefined` when it is over. */
type NextFn = (afterMs: number) => number | undefined;

/**
 * Parse a schedule (throws `ERR_AGENT_OS_INVALID_CRON`). One word that is a valid date is a
 * one-shot job; anything else must be a cron expression.
 */
function parseSchedule(schedule: string): { next: NextFn; at?: number } {
  if (typeof schedule !== "string") {
    throw Object.assign(new Error("ERR_AGENT_OS_INVALID_CRON: schedule must be a string"), { code: "ERR_AGENT_OS_INVALID_CRON" });
  }
  const trimmed = schedule.trim();
  if (trimmed !== "" && !/\s/.test(trimmed) && !trimmed.startsWith("@")) {
    const at = Date.parse(trimmed);
    if (!Number.isNaN(at)) return { at, next: (after) => (after < at ? at : undefined) };
  }
  const native = NativeCronSchedule.parse(schedule);
  return { next: (after) => native.nextAfter(after) ?? undefined };
}

/** Longest delay `setTimeout` takes; longer waits re-arm on waking. */
const MAX_DELAY = 2 ** 31 - 1;

const REAL_CLOCK: CronClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

interface TimerState {
  entry: ScheduleEntry;
  next: NextFn;
  timer?: unknown;
  cancelled: boolean;
}

/**
 * The default `ScheduleDriver`: one timer per job for its next fire time, re-armed after each
 * tick from the time it fired (ticks missed while the host was busy or asleep are skipped, not
 * replayed). Timers are `unref`'d on the real clock.
 */
export class TimerScheduleDriver implements ScheduleDriver {
  #clock: CronClock;
  #jobs = new Map<ScheduleHandle, TimerState>();

  constructor(clock: CronClock = REAL_CLOCK) {
    this.#clock = clock;
  }

  now(): number {
    return this.#clock.now();
  }

  schedule(entry: ScheduleEntry): ScheduleHandle {
    const { next } = parseSchedule(entry.schedule);
    const handle: ScheduleHandle = { id: entry.id };
    const s: TimerState = { entry, next, cancelled: false };
    this.#jobs.set(handle, s);
    this.#armNext(handle, s, this.#clock.now());
    return handle;
  }

  cancel(handle: ScheduleHandle): void {
    const s = this.#jobs.get(handle);
    if (!s) return;
    s.cancelled = true;
    if (s.timer !== undefined) this.#clock.clearTimer(s.timer);
    this.#jobs.delete(handle);
  }

  dispose(): void {
    for (const handle of [...this.#jobs.keys()]) this.cancel(handle);
  }

  #armNext(handle: ScheduleHandle, s: TimerState, after: number): void {
    const due = s.next(after);
    if (due === undefined) {
      this.#jobs.delete(handle);
      return;
    }
    this.#arm(handle, s, due);
  }

  #arm(handle: ScheduleHandle, s: TimerState, due: number): void {
    const delay = Math.min(Math.max(0, due - this.#clock.now()), MAX_DELAY);
    s.timer = this.#clock.setTimer(() => this.#wake(handle, s, due), delay);
  }

  #wake(handle: ScheduleHandle, s: TimerState, due: number): void {
    s.timer = undefined;
    if (s.cancelled) return;
    const now = this.#clock.now();
    if (now < due) {
      this.#arm(handle, s, due); // woke early, or a wait longer than MAX_DELAY
      return;
    }
    try {
      const r = s.entry.callback();
      if (r && typeof (r as Promise<void>).then === "function") (r as Promise<void>).then(undefined, () => {});
    } catch {
      // The callback reports its own failures (as `cron:error` events).
    }
    if (!s.cancelled) this.#armNext(handle, s, Math.max(now, due));
  }
}

/** What a `CronManager` needs of its VM (the facade's own methods). */
export interface CronHost {
  exec(command: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  createSession(agentType: string, options?: CreateSessionOptions): Promise<{ sessionId: string }>;
  prompt(sessionId: string, text: string): Promise<unknown>;
  closeSession(sessionId: string): void;
  /** A `KernelError` with `code`. */
  error(code: string, message: string): Error;
  /** Give an error from the binding the `KernelError` prototype. */
  wrap(err: unknown): unknown;
}

type Overlap = "allow" | "skip" | "queue";

interface Job {
  id: string;
  schedule: string;
  action: CronAction;
  overlap: Overlap;
  next: NextFn;
  at?: number;
  handle?: ScheduleHandle;
  lastRun?: number;
  runCount: number;
  active: number;
  queued: boolean;
  removed: boolean;
}

const OVERLAPS = new Set(["allow", "skip", "queue"]);
const ACTIONS = new Set(["exec", "session", "callback"]);

/** Shell-quote one argument: `'...'` with embedded quotes as `'\''`. */
function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The cron jobs of one VM. */
export class CronManager {
  #host: CronHost;
  #driver: ScheduleDriver;
  #ownDriver: boolean;
  #now: () => number;
  #jobs = new Map<string, Job>();
  #listeners: CronEventHandler[] = [];
  #disposed = false;

  constructor(host: CronHost, driver?: ScheduleDriver) {
    this.#host = host;
    this.#ownDriver = driver === undefined;
    this.#driver = driver ?? new TimerScheduleDriver();
    this.#now = typeof this.#driver.now === "function" ? () => this.#driver.now!() : () => Date.now();
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  schedule(options: CronJobOptions): CronJob {
    const invalid = (m: string) => this.#host.error("ERR_AGENT_OS_INVALID_OPTIONS", `scheduleCron: ${m}`);
    if (typeof options !== "object" || options === null) throw invalid("options must be an object");
    const { id = crypto.randomUUID(), schedule, action, overlap = "skip" } = options;
    if (typeof id !== "string" || id === "") throw invalid("`id` must be a non-empty string");
    if (!OVERLAPS.has(overlap)) throw invalid("`overlap` must be \"allow\", \"skip\" or \"queue\"");
    if (typeof action !== "object" || action === null || !ACTIONS.has(action.type)) {
      throw invalid("`action.type` must be \"exec\", \"session\" or \"callback\"");
    }
    if (action.type === "exec" && (typeof action.command !== "string" || (action.args !== undefined && !Array.isArray(action.args)))) {
      throw invalid("an exec action needs a `command` string and optional `args` array");
    }
    if (action.type === "session" && (typeof action.agentType !== "string" || typeof action.prompt !== "string")) {
      throw invalid("a session action needs `agentType` and `prompt` strings");
    }
    if (action.type === "callback" && typeof action.fn !== "function") throw invalid("a callback action needs `fn`");
    if (typeof schedule !== "string") throw this.#host.error("ERR_AGENT_OS_INVALID_CRON", "scheduleCron: `schedule` must be a string");
    let parsed: { next: NextFn; at?: number };
    try {
      parsed = parseSchedule(schedule);
    } catch (err) {
      throw this.#host.wrap(err);
    }
    this.cancel(id); // an existing job of this id is replaced
    const job: Job = { id, schedule, action, overlap, next: parsed.next, at: parsed.at, runCount: 0, active: 0, queued: false, removed: false };
    this.#jobs.set(id, job);
    try {
      job.handle = this.#driver.schedule({ id, schedule, callback: () => this.#tick(job) });
    } catch (err) {
      this.#jobs.delete(id);
      throw this.#host.wrap(err);
    }
    return { id, cancel: () => this.#remove(job) };
  }

  cancel(id: string): void {
    const job = this.#jobs.get(id);
    if (job) this.#remove(job);
  }

  list(): CronJobInfo[] {
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

  onEvent(handler: CronEventHandler): void {
    if (typeof handler !== "function") throw this.#host.error("ERR_AGENT_OS_INVALID_OPTIONS", "onCronEvent: handler must be a function");
    this.#listeners.push(handler);
  }

  /** Cancel every job and stop reporting events (runs in progress are abandoned with the VM). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const job of [...this.#jobs.values()]) this.#remove(job);
    this.#listeners = [];
    if (this.#ownDriver) this.#driver.dispose();
  }

  #remove(job: Job): void {
    if (job.removed) return;
    job.removed = true;
    job.queued = false;
    if (this.#jobs.get(job.id) === job) this.#jobs.delete(job.id);
    if (job.handle) this.#driver.cancel(job.handle);
  }

  #emit(event: CronEvent): void {
    if (this.#disposed) return;
    for (const handler of this.#listeners) {
      try {
        handler(event);
      } catch {
        // A throwing listener must not stop the job or the other listeners.
      }
    }
  }

  #tick(job: Job): Promise<void> | undefined {
    if (job.removed || this.#disposed) return undefined;
    if (job.active > 0 && job.overlap === "skip") return undefined;
    if (job.active > 0 && job.overlap === "queue") {
      job.queued = true;
      return undefined;
    }
    return this.#run(job);
  }

  async #run(job: Job): Promise<void> {
    job.active++;
    job.runCount++;
    const start = this.#now();
    job.lastRun = start;
    this.#emit({ type: "cron:fire", jobId: job.id, time: new Date(start) });
    try {
      await this.#runAction(job);
      const end = this.#now();
      this.#emit({ type: "cron:complete", jobId: job.id, time: new Date(end), durationMs: end - start });
    } catch (err) {
      const end = this.#now();
      const error = err instanceof Error ? err : new Error(String(err));
      this.#emit({ type: "cron:error", jobId: job.id, time: new Date(end), durationMs: end - start, error });
    } finally {
      job.active--;
      if (job.active === 0 && job.queued && !job.removed && !this.#disposed) {
        job.queued = false;
        void this.#run(job);
      }
    }
  }

  async #runAction(job: Job): Promise<void> {
    const action = job.action;
    switch (action.type) {
      case "exec": {
        const line = [action.command, ...(action.args ?? []).map((a) => quote(String(a)))].join(" ");
        const r = await this.#host.exec(line);
        if (r.exitCode !== 0) {
          const detail = r.stderr.trim().slice(0, 500);
          const err = this.#host.error(
            "ERR_AGENT_OS_CRON_ACTION_FAILED",
            `cron job '${job.id}': \`${line}\` exited with code ${r.exitCode}${detail ? `: ${detail}` : ""}`,
          );
          throw Object.assign(err, { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
        }
        return;
      }
      case "session": {
        const { sessionId } = await this.#host.createSession(action.agentType, action.options);
        try {
          await this.#host.prompt(sessionId, action.prompt);
        } finally {
          try {
            this.#host.closeSession(sessionId);
          } catch {
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
