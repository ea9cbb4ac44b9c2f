/**
 * Cron jobs of a VM: `scheduleCron`, `listCronJobs`, `cancelCronJob`, `onCronEvent`.
 *
 * Expressions are parsed and their fire times computed in Rust (`src/cron/`, the `croner`
 * crate); the timers and the actions live here on the JS thread, because every action (`exec`
 * in the VM, an agent session, a JS callback) is driven from it. Timers are `unref`'d: pending
 * cron jobs never keep the Node process alive, and they all stop when the VM is disposed.
 */
import type { CreateSessionOptions } from "./sessions.js";
/** What a cron job does when it fires. */
export type CronAction = 
/**
 * Run `command` with the VM's shell (as `vm.exec` does); each of `args` is appended
 * shell-quoted, so it reaches the command as one argument, unexpanded. A non-zero exit code
 * is reported as a `cron:error` with code `ERR_AGENT_OS_CRON_ACTION_FAILED`.
 */
{
    type: "exec";
    command: string;
    args?: string[];
}
/** Open a session of `agentType`, send `prompt`, wait for the turn to end, close it. */
 | {
    type: "session";
    agentType: string;
    prompt: string;
    options?: CreateSessionOptions;
}
/** Call `fn` on the host; a throw or rejection is reported as a `cron:error`. */
 | {
    type: "callback";
    fn: () => void | Promise<void>;
};
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
export type CronEvent = {
    type: "cron:fire";
    jobId: string;
    time: Date;
} | {
    type: "cron:complete";
    jobId: string;
    time: Date;
    durationMs: number;
} | {
    type: "cron:error";
    jobId: string;
    time: Date;
    durationMs: number;
    error: Error;
};
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
/**
 * The default `ScheduleDriver`: one timer per job for its next fire time, re-armed after each
 * tick from the time it fired (ticks missed while the host was busy or asleep are skipped, not
 * replayed). Timers are `unref`'d on the real clock.
 */
export declare class TimerScheduleDriver implements ScheduleDriver {
    #private;
    constructor(clock?: CronClock);
    now(): number;
    schedule(entry: ScheduleEntry): ScheduleHandle;
    cancel(handle: ScheduleHandle): void;
    dispose(): void;
}
/** What a `CronManager` needs of its VM (the facade's own methods). */
export interface CronHost {
    exec(command: string): Promise<{
        exitCode: number;
        stdout: string;
        stderr: string;
    }>;
    createSession(agentType: string, options?: CreateSessionOptions): Promise<{
        sessionId: string;
    }>;
    prompt(sessionId: string, text: string): Promise<unknown>;
    closeSession(sessionId: string): void;
    /** A `KernelError` with `code`. */
    error(code: string, message: string): Error;
    /** Give an error from the binding the `KernelError` prototype. */
    wrap(err: unknown): unknown;
}
/** The cron jobs of one VM. */
export declare class CronManager {
    #private;
    constructor(host: CronHost, driver?: ScheduleDriver);
    get disposed(): boolean;
    schedule(options: CronJobOptions): CronJob;
    cancel(id: string): void;
    list(): CronJobInfo[];
    onEvent(handler: CronEventHandler): void;
    /** Cancel every job and stop reporting events (runs in progress are abandoned with the VM). */
    dispose(): void;
}
