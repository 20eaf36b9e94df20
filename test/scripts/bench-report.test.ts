/** The benchmark's verdicts: targets are reported as PASS/MISS, computed from the measurements. */
import { describe, expect, it } from "vitest";
import type { LoadResult } from "../../scripts/lib/bench-load.ts";
import { BENCH_TARGETS, dpopCosts, dpopCpuCosts, formatConsole, formatMarkdown, interleavedSummary, median, verdicts, type BenchReport } from "../../scripts/lib/bench-report.ts";

const load = (requestsPerSecond: number, requests = requestsPerSecond * 10): LoadResult => ({
  generator: "wrk",
  requests,
  requestsPerSecond,
  p50Ms: 2,
  p99Ms: 9,
  non2xx: 0,
  socketErrors: 0,
});

function report(overrides: Partial<BenchReport> = {}): BenchReport {
  return {
    startedAt: "2026-01-01T00:00:00.000Z",
    machine: "test machine",
    generator: "wrk",
    connections: 16,
    durationSeconds: 10,
    warmupSeconds: 2,
    bundle: { rawBytes: 50_000, gzipBytes: 18_000 },
    baseline: [load(1000)],
    authenticated: [
      { jwksLatencyMs: 0, load: load(850), warmupJwksFetches: 16, steadyJwksFetches: 0 },
      { jwksLatencyMs: 50, load: load(800), warmupJwksFetches: 16, steadyJwksFetches: 0 },
    ],
    ...overrides,
  };
}

describe("benchmark verdicts", () => {
  it("passes ratio, JWKS and bundle targets when every measurement meets them", () => {
    expect(verdicts(report()).every((v) => v.pass)).toBe(true);
  });

  it("misses the ratio target at the latency where a/b falls below 0.8, and only there", () => {
    const slow = report({
      authenticated: [
        { jwksLatencyMs: 0, load: load(900), warmupJwksFetches: 1, steadyJwksFetches: 0 },
        { jwksLatencyMs: 50, load: load(799), warmupJwksFetches: 1, steadyJwksFetches: 0 },
      ],
    });
    const missed = verdicts(slow).filter((v) => !v.pass);
    expect(missed.map((v) => v.name)).toEqual(["ratio a/b, JWKS +50 ms"]);
    expect(formatConsole(slow)).toContain("MISS  ratio a/b, JWKS +50 ms: 0.80 (target ≥ 0.8)");
  });

  it("measures ratios against the mean of the first and last echo baseline, showing the reference row", () => {
    const drifting = report({ baseline: [load(1100), load(900)], reference: load(700) });
    expect(verdicts(drifting).find((v) => v.name === "ratio a/b, JWKS +0 ms")?.measured).toBe("0.85");
    const text = formatConsole(drifting);
    expect(text).toContain("mean echo baseline, 1000 req/s");
    expect(text).toMatch(/\(r\) reference: jose jwtVerify only +700 .* 0\.70/);
    expect(text).toContain("(b) echo baseline again, last");
    expect(text).toContain("jose-only reference: 0.70 of the echo baseline");
    expect(text).toContain("reaches 1.21 of that reference");
  });

  it("counts steady-state JWKS fetches per 1,000 requests, ignoring the cold warm-up fetches", () => {
    const refetching = report({
      authenticated: [{ jwksLatencyMs: 0, load: load(1000, 4000), warmupJwksFetches: 16, steadyJwksFetches: 2 }],
    });
    const jwks = verdicts(refetching).find((v) => v.name.startsWith("JWKS"));
    expect(jwks).toMatchObject({ measured: "0.50", pass: false });
  });

  it("misses the bundle target above 60 KiB gzip", () => {
    const big = report({ bundle: { rawBytes: 900_000, gzipBytes: BENCH_TARGETS.maxBundleGzipBytes + 1 } });
    expect(verdicts(big).find((v) => v.name === "bundle gzip")?.pass).toBe(false);
  });

  it("writes a markdown table with every scenario and the fleet timings when present", () => {
    const text = formatMarkdown(report({ fleet: [{ servers: 10, resources: 44, medianMs: 200, msPerServer: 20 }] }));
    expect(text).toContain("| (b) echo baseline, no auth | 1000 |");
    expect(text).toContain("| (a) tools/call hello, JWKS +50 ms | 800 | 2.00 | 9.00 | 0.80 | 0.00 (cold: 16) |");
    expect(text).toContain("| 10 | 44 | 200.0 | 20.00 | – | – |");
  });

  it("reports the fleet's wall and CPU ratios, the marginal cost per server and the load they ran under", () => {
    const fleet = [
      { servers: 1, resources: 7, medianMs: 2000, msPerServer: 2000, medianCpuMs: 2400, loadAverage: 3.5 },
      { servers: 500, resources: 2251, medianMs: 3800, msPerServer: 7.6, medianCpuMs: 4560, loadAverage: 3.75 },
    ];
    const text = formatMarkdown(report({ fleet }));
    expect(text).toContain("| 500 | 2251 | 3800.0 | 7.60 | 4560 | 3.75 |");
    expect(text).toContain("Ratio 500 / 1 servers: wall time 1.90×, CPU time 1.90×; each extra server adds 3.61 ms.");
  });
});

describe("DPoP rows", () => {
  const withDpop = (full: number) => report({ dpop: { generatorCeiling: load(990), isolateOnly: load(700), full: load(full) } });

  it("judges the DPoP run with cross-isolate replay protection against 0.6 of the echo baseline", () => {
    const pass = verdicts(withDpop(600)).find((v) => v.name.startsWith("DPoP ratio"));
    expect(pass).toMatchObject({ measured: "0.60", pass: true, target: `≥ ${BENCH_TARGETS.minDpopRatio}` });
    expect(verdicts(withDpop(599)).find((v) => v.name.startsWith("DPoP ratio"))).toMatchObject({ pass: false });
    expect(verdicts(report()).some((v) => v.name.startsWith("DPoP"))).toBe(false);
  });

  it("prices each part as the extra time per request: proof against Bearer (JWKS +0 ms), ledger against the isolate-only run", () => {
    // Bearer 850 req/s, isolate-only 700, full 500: 1e6/700 - 1e6/850 and 1e6/500 - 1e6/700 µs.
    const costs = dpopCosts(withDpop(500));
    expect(costs?.proofMicros).toBeCloseTo(252.1, 1);
    expect(costs?.ledgerMicros).toBeCloseTo(571.4, 1);
    const text = formatConsole(withDpop(500));
    expect(text).toContain("(d) DPoP hello, isolate + Durable Object");
    expect(text).toContain("≈ 252 µs per request");
    expect(formatMarkdown(withDpop(500))).toContain("| (d0) DPoP hello, replay check per isolate only | 700 |");
  });

  it("adds the many-users row and prices its ledger against the isolate-only run", () => {
    const spread = report({ dpop: { generatorCeiling: load(990), isolateOnly: load(700), full: load(600), manyUsers: { users: 16, load: load(400) } } });
    // 1e6/400 - 1e6/700 µs.
    expect(dpopCosts(spread)?.manyUsersLedgerMicros).toBeCloseTo(1071.4, 1);
    const markdown = formatMarkdown(spread);
    expect(markdown).toContain("| (dm) DPoP hello, 16 users, isolate + Durable Object | 400 |");
    expect(markdown).toContain("Spread over 16 users");
    expect(markdown).toContain("≈ 1071 µs per request there");
    // The target stays on the one-user run.
    expect(verdicts(spread).find((v) => v.name.startsWith("DPoP ratio"))).toMatchObject({ measured: "0.60" });
    expect(formatMarkdown(withDpop(500))).not.toContain("(dm)");
  });

  it("prices the parts by workerd CPU per request when measured, and shows it per row", () => {
    const cpu = (rps: number, serverCpuMicros: number): LoadResult => ({ ...load(rps), serverCpuMicros });
    const dpop = { generatorCeiling: cpu(990, 200), verifyFloor: cpu(800, 290), isolateOnly: cpu(700, 330), full: cpu(600, 350), manyUsers: { users: 16, load: cpu(400, 420) } };
    const measured = report({ dpop, authenticated: [{ jwksLatencyMs: 0, load: cpu(850, 230), warmupJwksFetches: 16, steadyJwksFetches: 0 }] });
    expect(dpopCpuCosts(dpop, cpu(850, 230))).toEqual({ verifyMicros: 90, proofMicros: 100, ledgerMicros: 20, manyUsersLedgerMicros: 90 });
    const markdown = formatMarkdown(measured);
    expect(markdown).toContain("| (d) DPoP hello, isolate + Durable Object | 600 | 2.00 | 9.00 | 0.60 | – | 350 |");
    expect(markdown).toContain("the proof costs ≈ 100 µs over Bearer (of which the ES256 verify, (v) against (g), ≈ 90 µs), the Durable Object ledger ≈ 20 µs with one busy user, 90 µs with one user per connection.");
    // Without CPU readings (not Linux): a dash, and no CPU note.
    expect(formatMarkdown(withDpop(500))).toContain("| (d) DPoP hello, isolate + Durable Object | 500 | 2.00 | 9.00 | 0.50 | – | – |");
    expect(formatMarkdown(withDpop(500))).not.toContain("In workerd CPU per request");
  });
});

describe("interleaved rounds", () => {
  const cpu = (rps: number, serverCpuMicros?: number): LoadResult => ({ ...load(rps), ...(serverCpuMicros === undefined ? {} : { serverCpuMicros }) });
  // Round 2 ran on a machine twice as busy: every scenario halves, and its ratios do not move.
  const rounds = [
    { echo: cpu(1000, 200), bearer: cpu(800, 250), verifyFloor: cpu(700, 290), dpop: cpu(400, 500) },
    { echo: cpu(500, 210), bearer: cpu(400, 260), verifyFloor: cpu(350, 300), dpop: cpu(200, 520) },
    { echo: cpu(1000, 190), bearer: cpu(900, 240), verifyFloor: cpu(600, 280), dpop: cpu(450, 480) },
  ];

  it("takes each ratio against its own round's echo and reports the medians", () => {
    const summary = interleavedSummary(rounds);
    expect(summary).toMatchObject({ rounds: 3, bearerRatio: 0.8, verifyFloorRatio: 0.7, dpopRatio: 0.4 });
    expect(summary?.cpuMicros).toEqual({ echo: 200, bearer: 250, verifyFloor: 290, dpop: 500 });
    // Per round 1 / (1/a + 1/v − 1): 0.8 & 0.7 → 0.5957, again 0.5957, 0.9 & 0.6 → 0.5625; median 0.5957.
    expect(summary?.ceilingRatio).toBeCloseTo(0.5957, 4);
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(interleavedSummary([])).toBeUndefined();
  });

  it("judges DPoP on the interleaved median instead of the single run when rounds ran", () => {
    const single = report({ dpop: { generatorCeiling: load(990), isolateOnly: load(700), full: load(650) }, interleaved: rounds });
    const dpop = verdicts(single).filter((v) => v.name.startsWith("DPoP ratio"));
    expect(dpop).toEqual([
      { name: "DPoP ratio d/b, cross-isolate replay check (median of 3 interleaved rounds)", measured: "0.40", target: "≥ 0.6", pass: false },
    ]);
    const markdown = formatMarkdown(single);
    expect(markdown).toContain("## Interleaved rounds (3 × echo, Bearer, verify floor, DPoP");
    expect(markdown).toContain("| (d) DPoP tools/call hello, isolate + Durable Object | 400 (0.40) | 200 (0.40) | 450 (0.45) | 0.40 | 500 |");
    expect(markdown).toContain("≈ 0.60 of echo, the most any DPoP check with a fresh signature per request reaches on this machine; (d) reaches 0.40.");
    expect(formatConsole(single)).toContain("Interleaved rounds (3 ×");
  });

  it("shows no section and keeps the single-run verdict without rounds (--rounds 0)", () => {
    const single = report({ dpop: { generatorCeiling: load(990), isolateOnly: load(700), full: load(650) }, interleaved: [] });
    expect(verdicts(single).find((v) => v.name.startsWith("DPoP ratio"))?.name).toBe("DPoP ratio d/b, cross-isolate replay check");
    expect(formatMarkdown(single)).not.toContain("Interleaved");
  });
});
