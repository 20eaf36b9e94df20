/** The benchmark's server CPU reading: workerd children of this process, from /proc. */
import { describe, expect, it } from "vitest";
import { cpuMicrosPerRequest, serverCpuSnapshot } from "../../scripts/lib/bench-cpu.ts";

describe("server CPU per request", () => {
  it("lists no process that is not a workerd child of this one", () => {
    const snapshot = serverCpuSnapshot();
    // /proc exists on the Linux machines the bench runs on; this process itself is node, never listed.
    expect(snapshot).toBeDefined();
    expect(snapshot?.ticks.has(process.pid)).toBe(false);
  });

  it("reports nothing without a snapshot, without processes or without requests", () => {
    expect(cpuMicrosPerRequest(undefined, 10)).toBeUndefined();
    expect(cpuMicrosPerRequest({ ticks: new Map() }, 10)).toBeUndefined();
    expect(cpuMicrosPerRequest({ ticks: new Map([[process.pid, 0]]) }, 0)).toBeUndefined();
  });

  it("divides the CPU a process used since the snapshot by the requests", () => {
    // This process stands in for workerd: burn ≥ 100 ms of CPU after a snapshot that says it had used nothing.
    const end = Date.now() + 100;
    while (Date.now() < end);
    const micros = cpuMicrosPerRequest({ ticks: new Map([[process.pid, 0]]) }, 1000) ?? 0;
    // At least the 100 ms just burnt, over 1,000 requests.
    expect(micros).toBeGreaterThanOrEqual(90);
  });
});
