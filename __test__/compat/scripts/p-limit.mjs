import pLimit from "p-limit";
const limit = pLimit(2);
let active = 0, maxActive = 0;
const task = (i) => limit(async () => {
  active++; maxActive = Math.max(maxActive, active);
  await new Promise((r) => setTimeout(r, 5 * (4 - (i % 4))));
  active--;
  return i * i;
});
const out = await Promise.all([0, 1, 2, 3, 4, 5].map(task));
console.log(JSON.stringify(out), maxActive, limit.activeCount, limit.pendingCount);
