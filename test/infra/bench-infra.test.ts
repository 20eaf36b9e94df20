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
    expect(formatFleetEvaluation(samples)).toMatch(/^offline plan +1 servers +7 resources/);
    expect(formatFleetEvaluation(samples)).toMatch(/scaling: 4x servers → [\d.]+x time \(goal ≤ 2x: (PASS|MISS)\)$/);
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
