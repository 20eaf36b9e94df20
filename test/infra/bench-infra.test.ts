/** The fleet-evaluation benchmark measures what it says (its timings are reported, never asserted). */
import { describe, expect, it } from "vitest";
import { benchFleetEvaluation, formatFleetEvaluation } from "../../scripts/lib/bench-infra.ts";

describe("benchFleetEvaluation", () => {
  it("evaluates each fleet size and counts its resources", async () => {
    const samples = await benchFleetEvaluation({ sizes: [1, 4], runs: 1 });
    // Per server: component, script, domain, subdomain (+ a route for every fourth); plus the fleet.
    expect(samples.map(({ servers, resources }) => ({ servers, resources }))).toEqual([
      { servers: 1, resources: 1 + 4 + 1 },
      { servers: 4, resources: 1 + 16 + 1 },
    ]);
    expect(formatFleetEvaluation(samples)).toMatch(/^fleet evaluation +1 servers +6 resources/);
  });
});
