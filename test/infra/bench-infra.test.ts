/** The fleet benchmark measures what it says (its timings are reported, never asserted). */
import { describe, expect, it } from "vitest";
import { benchFleetEvaluation, countProgramRequests, fleetRequestBudget, formatFleetEvaluation, formatRequestBudget } from "../../scripts/lib/bench-infra.ts";

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

describe("fleetRequestBudget", () => {
  it("adds the provider's per-resource requests to the program's measured reads, per run, against 1,200 per five minutes", async () => {
    // 4 servers: script, subdomain and custom domain each; the first also has two routes.
    const rows = await fleetRequestBudget(4);
    expect(rows.map(({ run, program, provider, serversPerWindow }) => ({ run, program, provider, serversPerWindow }))).toEqual([
      { run: "pulumi preview, nothing changed", program: 4, provider: 0, serversPerWindow: 1200 },
      { run: "pulumi up, new stack", program: 8, provider: 4 + 4 + 4 + 2, serversPerWindow: 218 },
      { run: "pulumi up, code changed on every server", program: 8, provider: 4, serversPerWindow: 400 },
      // A script's Read is three GETs (service, settings, content); the others one each.
      { run: "pulumi refresh", program: 0, provider: 4 * 3 + 4 + 4 + 2, serversPerWindow: 218 },
    ]);
    expect(formatRequestBudget(4, rows)).toContain("| pulumi up, new stack | 8 | 14 | 22 | 1 | 218 servers |");
  });
});
