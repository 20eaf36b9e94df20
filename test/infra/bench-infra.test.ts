/** The fleet benchmark measures what it says (its timings are reported, never asserted). */
import { describe, expect, it } from "vitest";
import { benchFleetEvaluation, countProgramRequests, formatFleetEvaluation } from "../../scripts/lib/bench-infra.ts";

describe("benchFleetEvaluation", () => {
  it("plans each fleet size and counts its resources", async () => {
    const samples = await benchFleetEvaluation({ sizes: [1, 4], runs: 1, mode: "in-process" });
    // Per server: component, script, domain, subdomain (+ two routes for every fourth); plus the fleet.
    expect(samples.map(({ servers, resources }) => ({ servers, resources }))).toEqual([
      { servers: 1, resources: 1 + 4 + 2 },
      { servers: 4, resources: 1 + 16 + 2 },
    ]);
    for (const sample of samples) {
      expect(sample.medianCpuMs).toBeGreaterThan(0);
      expect(sample.loadAverage).toBeGreaterThanOrEqual(0);
    }
    const report = formatFleetEvaluation(samples);
    expect(report).toMatch(/^offline plan +1 servers +7 resources +\d+ ms +\d+ ms CPU +\([\d.]+ ms\/server, load [\d.]+\)/);
    expect(report).toMatch(/scaling: 4x servers → [\d.]+x time, [\d.]+x CPU \(goal ≤ 2x: (PASS|MISS)\)\n/);
    expect(report).toMatch(/per extra server: -?[\d.]+ ms on top of a \d+ ms fixed cost/);
  });
});

describe("countProgramRequests", () => {
  it("counts one migration-tag read per server and one deployment read per rollout server, never a listing", async () => {
    const { total, byPath } = await countProgramRequests(20, 3);
    expect(byPath).toEqual({
      "GET /client/v4/accounts/:account/workers/services/:script": 20,
      "GET /client/v4/accounts/:account/workers/scripts/:script/deployments": 3,
    });
    expect(total).toBe(23);
  });
});
