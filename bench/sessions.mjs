// Agent sessions benchmark: `npm run bench`. Prints figures; asserts nothing.
//
// - createSession with a minimal ACP agent (the protocol's own cost: spawn node, initialize,
//   session/new) and with the real pi coding agent (`@rivet-dev/agent-os-pi`, loading its
//   ~180-package closure from the host's node_modules through a read-only mount);
// - one prompt turn of pi against a local mock of the Anthropic API (`__test__/mock-llm.ts`);
// - RSS added per open pi session.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pi from "@rivet-dev/agent-os-pi";
import { AgentOs, defineSoftware } from "../index.js";
import { fmtBytes, fmtNs, percentiles, row, settle, timeEach } from "./stats.mjs";

const fmt = (p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, fmtNs(v)]));
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");

// The mock LLM is the tests' (TypeScript): strip its types with esbuild and load it.
const mockJs = await build({ entryPoints: [path.join(root, "__test__/mock-llm.ts")], format: "esm", platform: "node", write: false });
const { startMockLlm, piConfigFiles } = await import(`data:text/javascript;base64,${Buffer.from(mockJs.outputFiles[0].text).toString("base64")}`);

const testAgent = defineSoftware({
  name: "acp-test-agent",
  type: "agent",
  packageDir: path.join(root, "__test__/fixtures/acp-agent"),
  requires: ["acp-test-agent"],
  agent: { id: "test", acpAdapter: "acp-test-agent", agentPackage: "acp-test-agent" },
});

{
  const vm = await AgentOs.create({ software: [testAgent] });
  for (let i = 0; i < 5; i++) vm.closeSession((await vm.createSession("test")).sessionId);
  const create = await timeEach(50, async () => vm.closeSession((await vm.createSession("test")).sessionId));
  row("createSession (minimal ACP agent), end to end", fmt(percentiles(create, [50, 95])));
  const { sessionId } = await vm.createSession("test");
  for (let i = 0; i < 20; i++) await vm.prompt(sessionId, "echo warm up");
  const turns = await timeEach(300, () => vm.prompt(sessionId, "echo one two three"));
  row("prompt turn, 3 streamed chunks (minimal agent)", fmt(percentiles(turns, [50, 95])));
  await vm.dispose();
}

const mock = await startMockLlm(Array.from({ length: 10_000 }, () => ({ text: "Hello from the mock model." })));
async function piVm() {
  const vm = await AgentOs.create({ software: [pi], loopbackExemptPorts: [mock.port] });
  for (const f of piConfigFiles(mock.url)) await vm.writeFile(f.path, f.content);
  return vm;
}
const piEnv = { env: { ANTHROPIC_API_KEY: "bench-key" } };

{
  const vm = await piVm();
  vm.closeSession((await vm.createSession("pi", piEnv)).sessionId);
  const create = await timeEach(8, async () => vm.closeSession((await vm.createSession("pi", piEnv)).sessionId));
  row('createSession("pi"), end to end', fmt(percentiles(create, [50, 95])));
  const { sessionId } = await vm.createSession("pi", piEnv);
  for (let i = 0; i < 3; i++) await vm.prompt(sessionId, "Say hello");
  const turns = await timeEach(30, () => vm.prompt(sessionId, "Say hello"));
  row("pi prompt turn against the mock LLM", fmt(percentiles(turns, [50, 95])));
  await vm.dispose();
}

{
  const n = 4;
  const vms = [];
  await settle();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < n; i++) {
    const vm = await piVm();
    const { sessionId } = await vm.createSession("pi", piEnv);
    await vm.prompt(sessionId, "Say hello");
    vms.push(vm);
  }
  await settle();
  const after = process.memoryUsage().rss;
  row(`RSS added per open pi session (${n} sessions)`, { rss: fmtBytes((after - before) / n) });
  await Promise.all(vms.map((vm) => vm.dispose()));
}
await mock.close();
