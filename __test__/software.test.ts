import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pi from "@rivet-dev/agent-os-pi";
import { AgentOs, defineSoftware } from "../index.js";
import { rejectsWith } from "./helpers";

const semverTool = defineSoftware({ name: "semver", type: "tool", packageDir: process.cwd(), requires: ["semver"], bins: { semver: "semver" } });

describe("software packages", () => {
  let vm: AgentOs;
  beforeAll(async () => {
    vm = await AgentOs.create({ software: [semverTool, [pi]] });
  });
  afterAll(async () => {
    await vm.dispose();
  });

  it("puts a tool's bins on PATH, running the package mounted from the host", async () => {
    const r = await vm.exec("command -v semver && semver 1.2.3 2.0.0-rc.1 -r '>=1.0.0 <2'");
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("/usr/local/bin/semver\n1.2.3\n");
  });

  it("mounts required packages read-only, without copying them", async () => {
    const r = await vm.exec("ls /root/node_modules/@rivet-dev/agent-os-pi/dist && echo x > /root/node_modules/@rivet-dev/agent-os-pi/dist/adapter.js");
    expect(r.stdout).toContain("adapter.js");
    expect(r.stderr).toContain("Read-only file system");
    expect(r.exitCode).not.toBe(0);
    await rejectsWith(vm.writeFile("/root/node_modules/semver/evil.js", "x"), "EROFS");
  });

  it("lists the agents software provides, and agent packages' bins are on PATH too", async () => {
    expect(vm.listAgents()).toEqual([{ id: "pi", acpAdapter: "@rivet-dev/agent-os-pi", agentPackage: "@mariozechner/pi-coding-agent", installed: true }]);
    const r = await vm.exec("command -v pi-sdk-acp pi");
    expect(r.stdout).toBe("/usr/local/bin/pi-sdk-acp\n/usr/local/bin/pi\n");
    await rejectsWith(vm.createSession("claude"), "ERR_AGENT_OS_UNKNOWN_AGENT");
  });

  it("a VM without software sees none of the host's node_modules and knows no agents", async () => {
    const bare = await AgentOs.create();
    try {
      expect(bare.listAgents()).toEqual([]);
      expect(await bare.exists("/root/node_modules/semver")).toBe(false);
      const e = await rejectsWith(bare.createSession("pi"), "ERR_AGENT_OS_UNKNOWN_AGENT");
      expect(e.message).toContain("pi");
    } finally {
      await bare.dispose();
    }
  });
});
