// Cron benchmark: `npm run bench`. Prints figures; asserts nothing.
//
// - computing a next fire time (the native croner call made once per tick);
// - dispatch overhead of one tick with a no-op callback action (timer -> overlap check ->
//   `cron:fire` -> action -> `cron:complete` -> re-arm), on a hand-moved clock so no time is
//   spent waiting;
// - an `exec` action's tick against calling `vm.exec` directly (what cron adds to a command);
// - on the real clock, how late after its due second a `* * * * * *` callback runs.
import { NativeCronSchedule } from "../binding.js";
import { AgentOs, TimerScheduleDriver } from "../index.js";
import { fmtNs, percentiles, row, timeEach } from "./stats.mjs";

const fmt = (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, fmtNs(v)]));

/** A clock that only moves when told to (as the tests' fake clock). */
class HandClock {
  t = Date.UTC(2026, 0, 5, 9);
  timers = new Map();
  seq = 0;
  now() {
    return this.t;
  }
  setTimer(fn, ms) {
    const id = ++this.seq;
    this.timers.set(id, { due: this.t + ms, fn });
    return id;
  }
  clearTimer(id) {
    this.timers.delete(id);
  }
  /** Fire the earliest timer (moving the clock to it). */
  step() {
    let best;
    for (const e of this.timers) if (!best || e[1].due < best[1].due) best = e;
    if (!best) return;
    this.timers.delete(best[0]);
    this.t = Math.max(this.t, best[1].due);
    best[1].fn();
  }
}

{
  const s = NativeCronSchedule.parse("*/5 9-17 * JAN-JUN MON-FRI");
  let t = Date.now();
  for (let i = 0; i < 1000; i++) t = s.nextAfter(t);
  t = Date.now();
  const n = 20_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) t = s.nextAfter(t);
  row("next fire time (5 fields, names, ranges)", { mean: fmtNs(Number(process.hrtime.bigint() - t0) / n) });
  const p = await timeEach(2000, () => NativeCronSchedule.parse("*/5 9-17 * JAN-JUN MON-FRI"));
  row("parse an expression", fmt(percentiles(p, [50, 95])));
}

{
  const clock = new HandClock();
  const vm = await AgentOs.create({ scheduleDriver: new TimerScheduleDriver(clock) });
  let completes = 0;
  vm.onCronEvent((e) => {
    if (e.type === "cron:complete") completes++;
  });
  vm.scheduleCron({ schedule: "* * * * * *", action: { type: "callback", fn() {} } });
  const tick = async () => {
    const before = completes;
    clock.step();
    while (completes === before) await Promise.resolve();
  };
  for (let i = 0; i < 2000; i++) await tick();
  const samples = await timeEach(20_000, tick);
  row("tick, no-op callback (fire..complete, re-arm)", fmt(percentiles(samples, [50, 95, 99])));

  vm.cancelCronJob(vm.listCronJobs()[0].id);
  vm.scheduleCron({ schedule: "* * * * * *", action: { type: "exec", command: "true" } });
  const execTick = async () => {
    const before = completes;
    clock.step();
    while (completes === before) await new Promise((r) => setImmediate(r));
  };
  for (let i = 0; i < 50; i++) await execTick();
  const viaCron = await timeEach(500, execTick);
  const direct = await timeEach(500, () => vm.exec("true"));
  row("exec action `true`, tick..complete", fmt(percentiles(viaCron, [50, 95])));
  row("vm.exec(\"true\") directly", fmt(percentiles(direct, [50, 95])));
  await vm.dispose();
}

{
  // Real clock: lateness of a per-second job behind its due second (timer + dispatch).
  const vm = await AgentOs.create();
  const late = [];
  await new Promise((resolve) => {
    vm.scheduleCron({
      schedule: "* * * * * *",
      action: {
        type: "callback",
        fn() {
          const now = Date.now();
          late.push((now - Math.floor(now / 1000) * 1000) * 1e6);
          if (late.length === 5) resolve();
        },
      },
    });
    // The job's timer is unref'd; hold the process open while we measure.
    const hold = setInterval(() => {}, 1000);
    setTimeout(() => clearInterval(hold), 7000).unref();
  });
  row("real clock: callback after its due second", fmt(percentiles(late, [50, 100])));
  await vm.dispose();
}
