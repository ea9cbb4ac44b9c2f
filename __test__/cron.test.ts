// Cron jobs: expressions, the three actions, events, overlap policies, ids, cancel, dispose.
// Time is a fake `CronClock` moved by hand (`TimerScheduleDriver(clock)`): no test waits real
// minutes, and none asserts on real elapsed time.
import { afterEach, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AgentOs, KernelError, TimerScheduleDriver, type CronClock, type CronEvent } from "../index.js";
import { testAgent, text } from "./helpers.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Let pending promise callbacks and I/O completions run. */
const flush = () => new Promise<void>((r) => setImmediate(r));

/** A clock that moves only when told to, firing its timers in due order. */
class FakeClock implements CronClock {
  timers = new Map<number, { due: number; fn: () => void }>();
  #seq = 0;
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.timers.set(id, { due: this.t + ms, fn });
    return id;
  }
  clearTimer(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** Move to `target`, firing every timer due on the way (at its due time). */
  async advanceTo(target: number): Promise<void> {
    for (;;) {
      let best: [number, { due: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].due <= target && (!best || e[1].due < best[1].due)) best = e;
      if (!best) break;
      this.timers.delete(best[0]);
      this.t = Math.max(this.t, best[1].due);
      best[1].fn();
      await flush();
    }
    this.t = target;
    await flush();
  }
  advance(ms: number): Promise<void> {
    return this.advanceTo(this.t + ms);
  }
}

const MIN = 60_000;
/** Monday 5 January 2026, 09:00:00 local time (cron expressions are local wall-clock times). */
const START = new Date(2026, 0, 5, 9, 0, 0).getTime();
const local = (mo: number, d: number, h: number, mi: number, s = 0) => new Date(2026, mo - 1, d, h, mi, s);

async function waitFor<X>(pred: () => X, what = "condition"): Promise<X> {
  for (let i = 0; i < 400; i++) {
    const v = pred();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A promise with its resolver, to hold a callback job "running" until the test says so. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

const vms: AgentOs[] = [];
async function vmWithClock(extra: Record<string, unknown> = {}) {
  const clock = new FakeClock(START);
  const vm = await AgentOs.create({ scheduleDriver: new TimerScheduleDriver(clock), ...extra });
  vms.push(vm);
  const events: CronEvent[] = [];
  vm.onCronEvent((e) => events.push(e));
  return { vm, clock, events };
}

afterEach(async () => {
  for (const vm of vms.splice(0)) await vm.dispose();
});

const noop = { type: "callback" as const, fn: () => {} };

describe("expressions", () => {
  it("computes next fire times of 5-field expressions (steps, ranges, lists, names)", async () => {
    const { vm } = await vmWithClock();
    const cases: [string, Date][] = [
      ["* * * * *", local(1, 5, 9, 1)],
      ["*/15 * * * *", local(1, 5, 9, 15)],
      ["10-50/20 8,12 * * *", local(1, 5, 12, 10)],
      ["0 9 * * MON-FRI", local(1, 6, 9, 0)],
      ["30 6 * * sat,SUN", local(1, 10, 6, 30)],
      ["0 0 1 JUL *", local(7, 1, 0, 0)],
      ["0 0 13 * FRI", local(1, 9, 0, 0)], // day of month OR day of week, as in vixie cron
      ["@daily", local(1, 6, 0, 0)],
    ];
    for (const [schedule, want] of cases) vm.scheduleCron({ id: schedule, schedule, action: noop });
    const next = Object.fromEntries(vm.listCronJobs().map((j) => [j.id, j.nextRun]));
    for (const [schedule, want] of cases) expect(next[schedule], schedule).toEqual(want);
  });

  it("6-field expressions have seconds first, and ticks follow the expression", async () => {
    const { vm, clock, events } = await vmWithClock();
    vm.scheduleCron({ id: "s", schedule: "5,45 0-1 9 * * MON", action: noop });
    expect(vm.listCronJobs()[0].nextRun).toEqual(local(1, 5, 9, 0, 5));
    await clock.advance(2 * MIN);
    expect(events.filter((e) => e.type === "cron:fire").map((e) => e.time)).toEqual([
      local(1, 5, 9, 0, 5),
      local(1, 5, 9, 0, 45),
      local(1, 5, 9, 1, 5),
      local(1, 5, 9, 1, 45),
    ]);
    // Next Monday.
    expect(vm.listCronJobs()[0].nextRun).toEqual(local(1, 12, 9, 0, 5));
  });

  it("rejects invalid expressions synchronously with ERR_AGENT_OS_INVALID_CRON", async () => {
    const { vm } = await vmWithClock();
    for (const schedule of ["", "* * * *", "* * * * * * *", "61 * * * *", "* * 32 * *", "* * * * FOO", "every minute", "garbage"]) {
      let err: unknown;
      try {
        vm.scheduleCron({ id: "bad", schedule, action: noop });
      } catch (e) {
        err = e;
      }
      expect(err, schedule).toBeInstanceOf(KernelError);
      expect((err as KernelError).code).toBe("ERR_AGENT_OS_INVALID_CRON");
      expect((err as KernelError).message).toContain("ERR_AGENT_OS_INVALID_CRON");
    }
    expect(vm.listCronJobs()).toEqual([]);
  });

  it("an ISO date schedules a one-shot job", async () => {
    const { vm, clock, events } = await vmWithClock();
    const at = local(1, 5, 9, 30);
    vm.scheduleCron({ id: "once", schedule: at.toISOString(), action: noop });
    expect(vm.listCronJobs()[0].nextRun).toEqual(at);
    await clock.advance(24 * 60 * MIN);
    expect(events.filter((e) => e.type === "cron:fire").map((e) => e.time)).toEqual([at]);
    expect(vm.listCronJobs()[0]).toMatchObject({ runCount: 1, nextRun: undefined });
    expect(clock.timers.size).toBe(0);
  });
});

describe("actions and events", () => {
  it("exec runs in the VM, with args passed as single arguments", async () => {
    const { vm, clock, events } = await vmWithClock();
    vm.scheduleCron({ id: "log", schedule: "*/5 * * * *", action: { type: "exec", command: "echo tick >> /tmp/ticks" } });
    vm.scheduleCron({ id: "args", schedule: "0 * * * *", action: { type: "exec", command: "touch", args: ["/tmp/a b $HOME 'q'.txt"] } });
    const runs = () => events.filter((e) => e.type === "cron:complete" && e.jobId === "log").length;
    // One tick at a time: a tick while the previous run is still going would be skipped.
    await clock.advance(5 * MIN);
    await waitFor(() => runs() === 1, "first run");
    await clock.advance(5 * MIN);
    await waitFor(() => runs() === 2, "second run");
    expect(text(await vm.readFile("/tmp/ticks"))).toBe("tick\ntick\n");
    await clock.advance(50 * MIN);
    await waitFor(() => events.some((e) => e.type === "cron:complete" && e.jobId === "args"), "args run");
    expect(await vm.exists("/tmp/a b $HOME 'q'.txt")).toBe(true);
    expect(events.filter((e) => e.type === "cron:error")).toEqual([]);
  });

  it("an exec whose command exits non-zero is a cron:error with ERR_AGENT_OS_CRON_ACTION_FAILED", async () => {
    const { vm, clock, events } = await vmWithClock();
    vm.scheduleCron({ id: "fails", schedule: "* * * * *", action: { type: "exec", command: "echo oops >&2; exit 3" } });
    await clock.advance(MIN);
    const e = await waitFor(() => events.find((e) => e.type === "cron:error"), "error event");
    expect(e).toMatchObject({ type: "cron:error", jobId: "fails", time: local(1, 5, 9, 1) });
    const err = (e as Extract<CronEvent, { type: "cron:error" }>).error as KernelError & { exitCode: number; stderr: string };
    expect(err).toBeInstanceOf(KernelError);
    expect(err.code).toBe("ERR_AGENT_OS_CRON_ACTION_FAILED");
    expect(err.message).toContain("fails");
    expect(err.message).toContain("oops");
    expect(err.exitCode).toBe(3);
    expect(err.stderr).toBe("oops\n");
    expect(events.some((e) => e.type === "cron:complete")).toBe(false);
  });

  it("callback: fire, then complete with durationMs on the driver's clock; a throw is cron:error", async () => {
    const { vm, clock, events } = await vmWithClock();
    const g = gate();
    let calls = 0;
    vm.scheduleCron({
      id: "cb",
      schedule: "0 10 * * *",
      action: {
        type: "callback",
        fn: async () => {
          calls++;
          await g.p;
        },
      },
    });
    const boom = new Error("boom");
    vm.scheduleCron({
      id: "throws",
      schedule: "0 11 * * *",
      action: {
        type: "callback",
        fn: () => {
          throw boom;
        },
      },
    });
    await clock.advance(60 * MIN);
    expect(calls).toBe(1);
    expect(events).toEqual([{ type: "cron:fire", jobId: "cb", time: local(1, 5, 10, 0) }]);
    await clock.advance(1500);
    g.open();
    await waitFor(() => events.length === 2);
    expect(events[1]).toEqual({ type: "cron:complete", jobId: "cb", time: new Date(local(1, 5, 10, 0).getTime() + 1500), durationMs: 1500 });
    await clock.advance(60 * MIN);
    expect(events.slice(2)).toEqual([
      { type: "cron:fire", jobId: "throws", time: local(1, 5, 11, 0) },
      { type: "cron:error", jobId: "throws", time: local(1, 5, 11, 0), durationMs: 0, error: boom },
    ]);
  });

  it("a throwing event handler does not stop the job or other handlers", async () => {
    const { vm, clock, events } = await vmWithClock();
    vm.onCronEvent(() => {
      throw new Error("handler bug");
    });
    const seen: string[] = [];
    vm.onCronEvent((e) => seen.push(e.type));
    vm.scheduleCron({ schedule: "* * * * *", action: noop });
    await clock.advance(2 * MIN);
    expect(seen).toEqual(["cron:fire", "cron:complete", "cron:fire", "cron:complete"]);
    expect(events.length).toBe(4);
  });

  it(
    "session: creates a session of agentType, sends the prompt, closes it",
    async () => {
      const { vm, clock, events } = await vmWithClock({ software: [testAgent] });
      vm.scheduleCron({ id: "agent", schedule: "0 12 * * *", action: { type: "session", agentType: "test", prompt: "echo hi" } });
      await clock.advanceTo(local(1, 5, 12, 0).getTime());
      const done = await waitFor(() => events.find((e) => e.type !== "cron:fire"), "session run");
      expect(done).toMatchObject({ type: "cron:complete", jobId: "agent" });
      expect(vm.listSessions()).toEqual([]);
      // An unknown agent type is reported as the facade's error.
      vm.scheduleCron({ id: "nobody", schedule: "0 13 * * *", action: { type: "session", agentType: "nope", prompt: "hi" } });
      await clock.advanceTo(local(1, 5, 13, 0).getTime());
      const e = await waitFor(() => events.find((e) => e.type === "cron:error"), "error");
      expect((e as Extract<CronEvent, { type: "cron:error" }>).error).toMatchObject({ code: "ERR_AGENT_OS_UNKNOWN_AGENT" });
    },
    30_000,
  );
});

describe("overlap", () => {
  /** A job that runs until released, ticking every minute, under `overlap`. */
  async function slowJob(overlap?: "allow" | "skip" | "queue") {
    const env = await vmWithClock();
    const gates: ReturnType<typeof gate>[] = [];
    env.vm.scheduleCron({
      id: "slow",
      schedule: "* * * * *",
      overlap,
      action: {
        type: "callback",
        fn: () => {
          const g = gate();
          gates.push(g);
          return g.p;
        },
      },
    });
    const info = () => env.vm.listCronJobs()[0];
    const releaseAll = async () => {
      for (let i = 0; i < gates.length; i++) {
        gates[i].open();
        await flush();
      }
      await flush();
    };
    return { ...env, gates, info, releaseAll };
  }

  it("defaults to skip: a tick while running is dropped", async () => {
    const { clock, gates, info, events, releaseAll } = await slowJob();
    expect(info().overlap).toBe("skip");
    await clock.advance(3 * MIN);
    expect(gates.length).toBe(1);
    expect(info()).toMatchObject({ runCount: 1, running: true, lastRun: local(1, 5, 9, 1) });
    await releaseAll();
    expect(info()).toMatchObject({ runCount: 1, running: false });
    expect(events.map((e) => e.type)).toEqual(["cron:fire", "cron:complete"]);
    await clock.advance(MIN);
    expect(gates.length).toBe(2);
  });

  it("queue: one run waits for the current one (ticks coalesce)", async () => {
    const { clock, gates, info, releaseAll } = await slowJob("queue");
    await clock.advance(3 * MIN);
    expect(gates.length).toBe(1);
    gates[0].open();
    await waitFor(() => gates.length === 2, "queued run");
    expect(info()).toMatchObject({ runCount: 2, running: true });
    await releaseAll();
    expect(gates.length).toBe(2);
    expect(info()).toMatchObject({ runCount: 2, running: false });
  });

  it("allow: every tick starts a run", async () => {
    const { clock, gates, info, events, releaseAll } = await slowJob("allow");
    await clock.advance(3 * MIN);
    expect(gates.length).toBe(3);
    expect(info()).toMatchObject({ runCount: 3, running: true, lastRun: local(1, 5, 9, 3) });
    await releaseAll();
    expect(info().running).toBe(false);
    expect(events.filter((e) => e.type === "cron:complete").length).toBe(3);
  });
});

describe("jobs", () => {
  it("lists jobs with their fields", async () => {
    const { vm, clock } = await vmWithClock();
    const action = { type: "exec" as const, command: "true" };
    const job = vm.scheduleCron({ schedule: "*/30 * * * *", action, overlap: "queue" });
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(vm.listCronJobs()).toEqual([
      { id: job.id, schedule: "*/30 * * * *", action, overlap: "queue", lastRun: undefined, nextRun: local(1, 5, 9, 30), runCount: 0, running: false },
    ]);
    await clock.advance(30 * MIN);
    const [info] = vm.listCronJobs();
    expect(info.lastRun).toEqual(local(1, 5, 9, 30));
    expect(info.nextRun).toEqual(local(1, 5, 10, 0));
    expect(info.runCount).toBe(1);
  });

  it("a duplicate id replaces the job", async () => {
    const { vm, clock, events } = await vmWithClock();
    vm.scheduleCron({ id: "dup", schedule: "* * * * *", action: noop });
    vm.scheduleCron({ id: "dup", schedule: "0 * * * *", action: noop });
    expect(vm.listCronJobs().map((j) => [j.id, j.schedule])).toEqual([["dup", "0 * * * *"]]);
    expect(clock.timers.size).toBe(1);
    await clock.advance(60 * MIN);
    expect(events.filter((e) => e.type === "cron:fire").map((e) => e.time)).toEqual([local(1, 5, 10, 0)]);
    // An invalid replacement leaves the existing job alone.
    expect(() => vm.scheduleCron({ id: "dup", schedule: "nope nope", action: noop })).toThrow(/ERR_AGENT_OS_INVALID_CRON/);
    expect(vm.listCronJobs().length).toBe(1);
  });

  it("cancel() and cancelCronJob stop a job", async () => {
    const { vm, clock, events } = await vmWithClock();
    const a = vm.scheduleCron({ id: "a", schedule: "* * * * *", action: noop });
    vm.scheduleCron({ id: "b", schedule: "* * * * *", action: noop });
    a.cancel();
    a.cancel();
    expect(vm.listCronJobs().map((j) => j.id)).toEqual(["b"]);
    vm.cancelCronJob("b");
    vm.cancelCronJob("unknown");
    expect(vm.listCronJobs()).toEqual([]);
    expect(clock.timers.size).toBe(0);
    await clock.advance(5 * MIN);
    expect(events).toEqual([]);
  });

  it("rejects malformed options", async () => {
    const { vm } = await vmWithClock();
    for (const bad of [
      { schedule: "* * * * *", action: { type: "nope" } },
      { schedule: "* * * * *", action: noop, overlap: "sometimes" },
      { schedule: "* * * * *", action: { type: "exec" } },
    ]) {
      expect(() => vm.scheduleCron(bad as never)).toThrow(expect.objectContaining({ code: "ERR_AGENT_OS_INVALID_OPTIONS" }));
    }
    await expect(AgentOs.create({ scheduleDriver: {} as never })).rejects.toMatchObject({ code: "ERR_AGENT_OS_INVALID_OPTIONS" });
  });

  it("jobs die with their VM", async () => {
    const { vm, clock, events } = await vmWithClock();
    const g = gate();
    vm.scheduleCron({ id: "long", schedule: "* * * * *", action: { type: "callback", fn: () => g.p } });
    vm.scheduleCron({ id: "other", schedule: "*/2 * * * *", action: noop });
    await clock.advance(MIN);
    expect(events.length).toBe(1);
    await vm.dispose();
    expect(clock.timers.size).toBe(0);
    expect(vm.listCronJobs()).toEqual([]);
    g.open();
    await clock.advance(10 * MIN);
    expect(events.length).toBe(1); // no complete after dispose, no further fires
    for (const f of [() => vm.scheduleCron({ schedule: "* * * * *", action: noop }), () => vm.onCronEvent(() => {})]) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KernelError);
      expect((err as KernelError).code).toBe("ERR_AGENT_OS_DISPOSED");
    }
    vm.cancelCronJob("long");
  });

  it("pending jobs on the real clock do not keep Node alive", () => {
    const script = `
      const { AgentOs } = require(${JSON.stringify(resolve(ROOT, "index.js"))});
      AgentOs.create().then((vm) => {
        vm.scheduleCron({ schedule: "* * * * * *", action: { type: "callback", fn() {} } });
        vm.scheduleCron({ schedule: "0 0 1 1 *", action: { type: "exec", command: "true" } });
        console.log(vm.listCronJobs().length);
      });`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("2\n");
    expect(r.status).toBe(0);
  });
});
