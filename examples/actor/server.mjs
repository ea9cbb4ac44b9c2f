// A Rivet actor running an agentOS VM: rivetkit's agentOs() actor, with this repository's
// @rivet-dev/agentos-core installed under the name rivetkit imports (@rivet-dev/agent-os-core).
//
//   npm start                      local: spawns a Rivet Engine (rivetkit's default local driver)
//   RIVET_ENDPOINT=... npm start   against a Rivet Engine cluster (see README.md)
import { setup } from "rivetkit";
import { agentOs, createDatabaseVfs } from "rivetkit/agent-os";
import { AgentOs } from "@rivet-dev/agent-os-core";
import pi from "@rivet-dev/agent-os-pi";
import { startMockLlm } from "./mock-llm.mjs";

const options = { software: [pi] };

// Test double: a fake Anthropic API on this host for the pi session in client.mjs (see
// mock-llm.mjs). The VM may reach the host's loopback only on ports listed here.
// MOCK_LLM_PORT=off leaves it out (bring a real ANTHROPIC_API_KEY to the session instead).
if (process.env.MOCK_LLM_PORT !== "off") {
  const mock = await startMockLlm(Number(process.env.MOCK_LLM_PORT ?? 4599));
  options.loopbackExemptPorts = [mock.port];
  console.log(`[server] mock LLM (test double) on ${mock.url}`);
}

const vm = agentOs({ options });

// Keep the workdir across sleep.
//
// An actor sleeps when idle (or when asked to) and is woken by the next request. rivetkit's
// agentOs() boots the VM on the first action with an in-memory /home/user and, on sleep, only
// disposes of the VM, so the files are gone after a wake. Each actor does have a SQLite database
// (c.db), in which agentOs() creates an `agent_os_fs_entries` table, and rivetkit/agent-os ships a
// filesystem driver over it, createDatabaseVfs({ db }), but nothing mounts it. Since agentOs()
// uses the VM in c.vars.agentOs when there is one, we boot the VM ourselves on every wake (which
// includes the actor's first start), with /home/user on the actor's database. Files under
// /home/user then survive sleep, server restarts and moves between hosts; the rest of the VM
// (/tmp, processes, running sessions) starts fresh after each wake.
const onWakeOfAgentOs = vm.config.onWake; // none in rivetkit 2.3.19; kept in case a later one adds it
vm.config.onWake = async (c) => {
  await onWakeOfAgentOs?.(c);
  const os = await AgentOs.create({
    ...options,
    mounts: [{ path: "/home/user", driver: createDatabaseVfs({ db: c.db }) }],
  });
  os.onCronEvent((event) => c.broadcast("cronEvent", { event })); // as agentOs() does for its own VM
  c.vars.agentOs = os;
};

// Lets a client put the actor to sleep now instead of after its idle timeout (client.mjs uses it
// to show that /home/user survives).
vm.config.actions.sleep = (c) => {
  c.sleep();
};

export const registry = setup({ use: { vm } });
registry.start();
await registry.startAndWait();
console.log("[server] ready");
