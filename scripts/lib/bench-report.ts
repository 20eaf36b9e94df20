/**
 * Results of `npm run bench`: the targets from issue 2, the PASS/MISS
 * verdicts, and the two renderings (console table, bench/results.md).
 * Pure: no I/O, so the wording and the verdicts are testable.
 */
import type { LoadGenerator, LoadResult } from "./bench-load.ts";

/** Issue 2 "Benchmark" targets. A MISS is reported, never a failure exit. */
export const BENCH_TARGETS = {
  /** Authenticated `tools/call hello` ÷ echo baseline, at every JWKS latency. */
  minRatio: 0.8,
  /** JWKS fetches per 1,000 steady-state requests. */
  maxJwksFetchesPer1000: 0,
  /**
   * DPoP `tools/call hello` with cross-isolate replay protection ÷ echo baseline,
   * one user on every connection (row d). The many-users row (dm) is reported, not judged.
   */
  minDpopRatio: 0.6,
  /** The server kit's plain `tools/call hello` ÷ echo baseline at JWKS +0 ms (the protocol layer's own target). */
  minKitRatio: 0.85,
  /** The default server's bundle after gzip, bytes (60 KiB: the server kit's budget). */
  maxBundleGzipBytes: 60 * 1024,
} as const;

export interface AuthenticatedRun {
  /** Latency the JWKS origin added to every JWKS response, ms. */
  readonly jwksLatencyMs: number;
  readonly load: LoadResult;
  /** JWKS fetches during warm-up (cold caches). */
  readonly warmupJwksFetches: number;
  /** JWKS fetches during the measured run. */
  readonly steadyJwksFetches: number;
}

/** The DPoP scenarios (`scripts/lib/bench-dpop.ts`): a fresh proof on every request. */
export interface DpopRuns {
  /** The echo worker sent the same rotating DPoP header: the generator's own ceiling for these runs. */
  readonly generatorCeiling: LoadResult;
  /** The echo worker verifying each fresh proof's ES256 signature, nothing else: the floor of any DPoP check. Absent in older reports. */
  readonly verifyFloor?: LoadResult;
  /** The real worker with replay detection per isolate only (reference; unsafe to deploy). */
  readonly isolateOnly: LoadResult;
  /** The real worker: isolate-local replay check, then the user's Durable Object. */
  readonly full: LoadResult;
  /**
   * The real worker with the requests spread over `users` users in turn, each
   * with its own key, token and Durable Object (as a fleet's users are), so
   * concurrent proofs never share a ledger call. Absent in older reports.
   */
  readonly manyUsers?: { readonly users: number; readonly load: LoadResult };
}

/** Protocol layers side by side behind the same authentication (`bench/sdk-handler-worker.ts`). */
export interface ProtocolLayerRuns {
  /** The official server SDK 2.x `createMcpHandler` answering the same `tools/call hello` (reference). */
  readonly sdk: LoadResult;
  /** The kit's default server, `tools/call` of a zod-declared tool (validated by @cfworker/json-schema). */
  readonly zodTool?: LoadResult;
}

export interface FleetSample {
  readonly servers: number;
  readonly resources: number;
  readonly medianMs: number;
  readonly msPerServer: number;
  /** CPU time of one plan process (user + system), when the platform exposes it. */
  readonly medianCpuMs?: number;
  /** One-minute load average the plans ran under. */
  readonly loadAverage?: number;
}

/** Wall-time ratio (the goal) and CPU-time ratio (what load does not inflate) of the largest fleet to the smallest. */
function fleetRatioNote(samples: readonly FleetSample[]): string[] {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || first === last || first.medianMs <= 0) return [];
  const cpu = first.medianCpuMs && last.medianCpuMs !== undefined ? `, CPU time ${(last.medianCpuMs / first.medianCpuMs).toFixed(2)}×` : "";
  const marginal = (last.medianMs - first.medianMs) / (last.servers - first.servers);
  return ["", `Ratio ${last.servers} / ${first.servers} servers: wall time ${(last.medianMs / first.medianMs).toFixed(2)}×${cpu}; each extra server adds ${marginal.toFixed(2)} ms.`];
}

export interface BenchReport {
  readonly startedAt: string;
  readonly machine: string;
  readonly generator: LoadGenerator;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly bundle: { readonly rawBytes: number; readonly gzipBytes: number };
  /**
   * The echo baseline, measured first and again last: on a shared machine
   * the ceiling drifts, so ratios use the mean of the two.
   */
  readonly baseline: readonly [LoadResult, ...LoadResult[]];
  readonly authenticated: readonly AuthenticatedRun[];
  /** jose-verify-only worker (bench/jose-floor-worker.js): reference, no target. */
  readonly reference?: LoadResult;
  /** Absent in reports written before DPoP existed. */
  readonly dpop?: DpopRuns;
  /** Absent in reports written before the server kit. */
  readonly protocolLayer?: ProtocolLayerRuns;
  /** Absent when infra's fleet benchmark is not available. */
  readonly fleet?: readonly FleetSample[];
  /** `--rounds` interleaved rounds (`InterleavedRound`); absent or empty with `--rounds 0` and in older reports. */
  readonly interleaved?: readonly InterleavedRound[];
}

/**
 * One interleaved round: echo, Bearer, the verify floor and DPoP measured
 * back to back, each against the servers that stay up for every round, the
 * order rotated from round to round. Drift on a shared machine (other jobs,
 * the host's clock) moves the four alike within a round, so each is divided
 * by its own round's echo and the medians over rounds are reported.
 */
export interface InterleavedRound {
  /** (b) the echo worker. */
  readonly echo: LoadResult;
  /** (a) Bearer `tools/call hello` on the real worker, JWKS +0 ms. */
  readonly bearer: LoadResult;
  /** (v) the echo worker plus the ES256 verify of each fresh proof. */
  readonly verifyFloor: LoadResult;
  /** (d) DPoP `tools/call hello` on the same worker, cross-isolate replay check on. */
  readonly dpop: LoadResult;
}

/** Medians over interleaved rounds, each ratio taken against its own round's echo. */
export interface InterleavedSummary {
  readonly rounds: number;
  readonly bearerRatio: number;
  readonly verifyFloorRatio: number;
  readonly dpopRatio: number;
  /**
   * What (d) could reach if DPoP cost nothing beyond carrying and verifying
   * the proof: time per request adds, so Bearer's time plus what (v) takes
   * over echo, as a ratio to echo: 1 / (1/a + 1/v − 1), per round.
   */
  readonly ceilingRatio: number;
  /** Median workerd CPU µs per request of each scenario; undefined where not measured. */
  readonly cpuMicros: { readonly echo?: number; readonly bearer?: number; readonly verifyFloor?: number; readonly dpop?: number };
}

/** Middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function interleavedSummary(rounds: readonly InterleavedRound[]): InterleavedSummary | undefined {
  const usable = rounds.filter((round) => round.echo.requestsPerSecond > 0);
  if (usable.length === 0) return undefined;
  const ratio = (pick: (round: InterleavedRound) => LoadResult) => median(usable.map((round) => pick(round).requestsPerSecond / round.echo.requestsPerSecond));
  const ceiling = median(
    usable.map((round) => {
      const [a, v] = [round.bearer.requestsPerSecond / round.echo.requestsPerSecond, round.verifyFloor.requestsPerSecond / round.echo.requestsPerSecond];
      return 1 / (1 / a + 1 / v - 1);
    }),
  );
  const cpu = (pick: (round: InterleavedRound) => LoadResult): number | undefined => {
    const values = usable.map((round) => pick(round).serverCpuMicros).filter((v): v is number => v !== undefined);
    return values.length === usable.length ? median(values) : undefined;
  };
  return {
    rounds: usable.length,
    bearerRatio: ratio((r) => r.bearer),
    verifyFloorRatio: ratio((r) => r.verifyFloor),
    dpopRatio: ratio((r) => r.dpop),
    ceilingRatio: ceiling,
    cpuMicros: { echo: cpu((r) => r.echo), bearer: cpu((r) => r.bearer), verifyFloor: cpu((r) => r.verifyFloor), dpop: cpu((r) => r.dpop) },
  };
}

export interface Verdict {
  readonly name: string;
  readonly measured: string;
  readonly target: string;
  readonly pass: boolean;
}

/** Mean echo throughput over the baseline runs, req/s. */
export function baselineRps(report: BenchReport): number {
  return report.baseline.reduce((sum, run) => sum + run.requestsPerSecond, 0) / report.baseline.length;
}

export function ratioOf(load: LoadResult, report: BenchReport): number {
  const baseline = baselineRps(report);
  return baseline > 0 ? load.requestsPerSecond / baseline : 0;
}

export function jwksPer1000(run: AuthenticatedRun): number {
  return run.load.requests > 0 ? (run.steadyJwksFetches / run.load.requests) * 1000 : 0;
}

export function verdicts(report: BenchReport): Verdict[] {
  const out: Verdict[] = [];
  for (const run of report.authenticated) {
    const ratio = ratioOf(run.load, report);
    out.push({
      name: `ratio a/b, JWKS +${run.jwksLatencyMs} ms`,
      measured: ratio.toFixed(2),
      target: `≥ ${BENCH_TARGETS.minRatio}`,
      pass: ratio >= BENCH_TARGETS.minRatio,
    });
  }
  for (const run of report.authenticated) {
    const per1000 = jwksPer1000(run);
    out.push({
      name: `JWKS fetches / 1,000 steady requests, +${run.jwksLatencyMs} ms`,
      measured: per1000.toFixed(2),
      target: `${BENCH_TARGETS.maxJwksFetchesPer1000}`,
      pass: per1000 <= BENCH_TARGETS.maxJwksFetchesPer1000,
    });
  }
  const plain = report.authenticated[0];
  if (report.protocolLayer && plain) {
    const ratio = ratioOf(plain.load, report);
    out.push({
      name: `kit: plain tools/call hello a/b, JWKS +${plain.jwksLatencyMs} ms`,
      measured: ratio.toFixed(2),
      target: `≥ ${BENCH_TARGETS.minKitRatio}`,
      pass: ratio >= BENCH_TARGETS.minKitRatio,
    });
  }
  const interleaved = interleavedSummary(report.interleaved ?? []);
  if (interleaved) {
    // The steadier figure judges when it exists: a median of per-round ratios, not one run against a drifting mean.
    out.push({
      name: `DPoP ratio d/b, cross-isolate replay check (median of ${interleaved.rounds} interleaved rounds)`,
      measured: interleaved.dpopRatio.toFixed(2),
      target: `≥ ${BENCH_TARGETS.minDpopRatio}`,
      pass: interleaved.dpopRatio >= BENCH_TARGETS.minDpopRatio,
    });
  } else if (report.dpop) {
    const ratio = ratioOf(report.dpop.full, report);
    out.push({
      name: "DPoP ratio d/b, cross-isolate replay check",
      measured: ratio.toFixed(2),
      target: `≥ ${BENCH_TARGETS.minDpopRatio}`,
      pass: ratio >= BENCH_TARGETS.minDpopRatio,
    });
  }
  out.push({
    name: "bundle gzip",
    measured: kib(report.bundle.gzipBytes),
    target: `≤ ${kib(BENCH_TARGETS.maxBundleGzipBytes)}`,
    pass: report.bundle.gzipBytes <= BENCH_TARGETS.maxBundleGzipBytes,
  });
  return out;
}

interface Row {
  readonly scenario: string;
  readonly load: LoadResult;
  readonly ratio: string;
  readonly jwks: string;
}

function rows(report: BenchReport): Row[] {
  const [first, ...again] = report.baseline;
  return [
    { scenario: "(b) echo baseline, no auth", load: first, ratio: ratioOf(first, report).toFixed(2), jwks: "–" },
    ...(report.reference
      ? [{ scenario: "(r) reference: jose jwtVerify only", load: report.reference, ratio: ratioOf(report.reference, report).toFixed(2), jwks: "–" }]
      : []),
    ...report.authenticated.map((run) => ({
      scenario: `(a) tools/call hello, JWKS +${run.jwksLatencyMs} ms`,
      load: run.load,
      ratio: ratioOf(run.load, report).toFixed(2),
      jwks: `${jwksPer1000(run).toFixed(2)} (cold: ${run.warmupJwksFetches})`,
    })),
    ...(report.dpop
      ? [
          { scenario: "(g) echo, a DPoP header per request", load: report.dpop.generatorCeiling, ratio: ratioOf(report.dpop.generatorCeiling, report).toFixed(2), jwks: "–" },
          ...(report.dpop.verifyFloor
            ? [{ scenario: "(v) echo + ES256 verify of the fresh proof", load: report.dpop.verifyFloor, ratio: ratioOf(report.dpop.verifyFloor, report).toFixed(2), jwks: "–" }]
            : []),
          { scenario: "(d0) DPoP hello, replay check per isolate only", load: report.dpop.isolateOnly, ratio: ratioOf(report.dpop.isolateOnly, report).toFixed(2), jwks: "–" },
          { scenario: "(d) DPoP hello, isolate + Durable Object", load: report.dpop.full, ratio: ratioOf(report.dpop.full, report).toFixed(2), jwks: "–" },
          ...(report.dpop.manyUsers
            ? [
                {
                  scenario: `(dm) DPoP hello, ${report.dpop.manyUsers.users} users, isolate + Durable Object`,
                  load: report.dpop.manyUsers.load,
                  ratio: ratioOf(report.dpop.manyUsers.load, report).toFixed(2),
                  jwks: "–",
                },
              ]
            : []),
        ]
      : []),
    ...(report.protocolLayer
      ? [
          { scenario: "(s) SDK 2.x createMcpHandler hello, same auth", load: report.protocolLayer.sdk, ratio: ratioOf(report.protocolLayer.sdk, report).toFixed(2), jwks: "–" },
          ...(report.protocolLayer.zodTool
            ? [{ scenario: "(z) kit: zod-declared tool (@cfworker/json-schema)", load: report.protocolLayer.zodTool, ratio: ratioOf(report.protocolLayer.zodTool, report).toFixed(2), jwks: "–" }]
            : []),
        ]
      : []),
    ...again.map((load) => ({ scenario: "(b) echo baseline again, last", load, ratio: ratioOf(load, report).toFixed(2), jwks: "–" })),
  ];
}

/**
 * What each DPoP part costs, as the extra time per request at saturation
 * (1/rps of one scenario minus 1/rps of the one without that part): proof
 * verification is (d0) against the Bearer run at JWKS +0 ms, the Durable
 * Object ledger is (d) against (d0).
 */
export function dpopCosts(report: BenchReport): { proofMicros: number; ledgerMicros: number; manyUsersLedgerMicros: number | undefined } | undefined {
  const bearer = report.authenticated[0]?.load.requestsPerSecond;
  if (!report.dpop || !bearer) return undefined;
  const micros = (rps: number) => 1e6 / rps;
  const isolateOnly = micros(report.dpop.isolateOnly.requestsPerSecond);
  const many = report.dpop.manyUsers?.load.requestsPerSecond;
  return {
    proofMicros: isolateOnly - micros(bearer),
    ledgerMicros: micros(report.dpop.full.requestsPerSecond) - isolateOnly,
    manyUsersLedgerMicros: many ? micros(many) - isolateOnly : undefined,
  };
}

function dpopNote(report: BenchReport): string[] {
  const costs = dpopCosts(report);
  const bearer = report.authenticated[0];
  if (!costs || !report.dpop || !bearer) return [];
  return [
    `DPoP: ${ratioOf(report.dpop.full, report).toFixed(2)} of the echo baseline next to Bearer's ${ratioOf(bearer.load, report).toFixed(2)}; ` +
      `verifying the proof (ES256, thumbprint, ath) adds ≈ ${costs.proofMicros.toFixed(0)} µs per request at saturation, ` +
      `the Durable Object replay ledger ≈ ${costs.ledgerMicros.toFixed(0)} µs more; the generator alone, sending a new DPoP header per request, reaches ${ratioOf(report.dpop.generatorCeiling, report).toFixed(2)} ` +
      `(against that ceiling, (d) is ${(report.dpop.full.requestsPerSecond / report.dpop.generatorCeiling.requestsPerSecond).toFixed(2)}).`,
    ...verifyFloorNote(report.dpop, bearer.load, report),
    ...manyUsersNote(report.dpop, costs.manyUsersLedgerMicros, report),
    ...dpopCpuNote(report.dpop, bearer.load),
  ];
}

/**
 * The same parts priced by the workerd CPU each request used (the Durable
 * Object runs in that process too): what they cost whatever else the machine
 * was doing, where req/s mixes in the host's load.
 */
export function dpopCpuCosts(
  dpop: DpopRuns,
  bearer: LoadResult,
): { verifyMicros: number | undefined; proofMicros: number; ledgerMicros: number; manyUsersLedgerMicros: number | undefined } | undefined {
  const cpu = (load: LoadResult | undefined) => load?.serverCpuMicros;
  const [bearerCpu, isolateOnly, full] = [cpu(bearer), cpu(dpop.isolateOnly), cpu(dpop.full)];
  if (bearerCpu === undefined || isolateOnly === undefined || full === undefined) return undefined;
  const [ceiling, floor, many] = [cpu(dpop.generatorCeiling), cpu(dpop.verifyFloor), cpu(dpop.manyUsers?.load)];
  return {
    verifyMicros: ceiling !== undefined && floor !== undefined ? floor - ceiling : undefined,
    proofMicros: isolateOnly - bearerCpu,
    ledgerMicros: full - isolateOnly,
    manyUsersLedgerMicros: many === undefined ? undefined : many - isolateOnly,
  };
}

function dpopCpuNote(dpop: DpopRuns, bearer: LoadResult): string[] {
  const costs = dpopCpuCosts(dpop, bearer);
  if (!costs) return [];
  const verify = costs.verifyMicros === undefined ? "" : ` (of which the ES256 verify, (v) against (g), ≈ ${costs.verifyMicros.toFixed(0)} µs)`;
  const many = costs.manyUsersLedgerMicros === undefined ? "" : `, ${costs.manyUsersLedgerMicros.toFixed(0)} µs with one user per connection`;
  return [
    `In workerd CPU per request (steadier than req/s on a shared machine): the proof costs ≈ ${costs.proofMicros.toFixed(0)} µs over Bearer${verify}, ` +
      `the Durable Object ledger ≈ ${costs.ledgerMicros.toFixed(0)} µs with one busy user${many}.`,
  ];
}

/**
 * The one-user rows let a busy user's concurrent proofs share ledger calls;
 * with one user per connection every proof is a call of its own.
 */
function manyUsersNote(dpop: DpopRuns, ledgerMicros: number | undefined, report: BenchReport): string[] {
  if (!dpop.manyUsers || ledgerMicros === undefined) return [];
  return [
    `Spread over ${dpop.manyUsers.users} users (a key, token and Durable Object each, one request in flight per user), DPoP reaches ` +
      `${ratioOf(dpop.manyUsers.load, report).toFixed(2)} of echo; the ledger costs ≈ ${ledgerMicros.toFixed(0)} µs per request there, ` +
      "a Durable Object call per proof, since no two concurrent proofs share a user.",
  ];
}

/**
 * The ceiling a fresh ES256 verify per request puts on (d): the Bearer run's
 * time per request plus what (v) takes over (g), as a ratio to echo.
 */
function verifyFloorNote(dpop: DpopRuns, bearer: LoadResult, report: BenchReport): string[] {
  if (!dpop.verifyFloor) return [];
  const micros = (load: LoadResult) => 1e6 / load.requestsPerSecond;
  const verifyMicros = micros(dpop.verifyFloor) - micros(dpop.generatorCeiling);
  const capRps = 1e6 / (micros(bearer) + verifyMicros);
  return [
    `The ES256 verify of each fresh proof alone ((v) against (g)) costs ≈ ${verifyMicros.toFixed(0)} µs per request, so Bearer plus that verify, and nothing else, ` +
      `would reach ≈ ${(capRps / baselineRps(report)).toFixed(2)} of echo: the ceiling for (d) on this machine.`,
  ];
}

/**
 * How much the signature check costs: (r)/(b) is what a worker verifying ES256
 * on every request reaches on this machine; the worker beats it by reusing the
 * verification of a repeated token (worker/auth/verified-token-cache.ts).
 */
function referenceNote(report: BenchReport): string[] {
  const reference = report.reference;
  const first = report.authenticated[0];
  if (!reference || !first || reference.requestsPerSecond <= 0) return [];
  const share = first.load.requestsPerSecond / reference.requestsPerSecond;
  return [
    `jose-only reference: ${ratioOf(reference, report).toFixed(2)} of the echo baseline (an ES256 check on every request); ` +
      `the worker at JWKS +${first.jwksLatencyMs} ms reaches ${share.toFixed(2)} of that reference.`,
  ];
}

/** The interleaved rounds: each round's req/s and ratio, then the medians and the ceiling they imply. */
function interleavedLines(report: BenchReport): string[] {
  const rounds = report.interleaved ?? [];
  const summary = interleavedSummary(rounds);
  if (!summary) return [];
  const scenarios: [string, (round: InterleavedRound) => LoadResult, number | undefined, number | undefined][] = [
    ["(b) echo", (r) => r.echo, 1, summary.cpuMicros.echo],
    ["(a) Bearer tools/call hello", (r) => r.bearer, summary.bearerRatio, summary.cpuMicros.bearer],
    ["(v) echo + ES256 verify of the fresh proof", (r) => r.verifyFloor, summary.verifyFloorRatio, summary.cpuMicros.verifyFloor],
    ["(d) DPoP tools/call hello, isolate + Durable Object", (r) => r.dpop, summary.dpopRatio, summary.cpuMicros.dpop],
  ];
  const cell = (round: InterleavedRound, load: LoadResult) => `${load.requestsPerSecond.toFixed(0)} (${(load.requestsPerSecond / round.echo.requestsPerSecond).toFixed(2)})`;
  return [
    `| Scenario | ${rounds.map((_, i) => `round ${i + 1} req/s (ratio)`).join(" | ")} | median ratio | median CPU µs / request |`,
    `|---|${rounds.map(() => "---:").join("|")}|---:|---:|`,
    ...scenarios.map(
      ([name, pick, ratio, cpu]) => `| ${name} | ${rounds.map((round) => cell(round, pick(round))).join(" | ")} | ${ratio?.toFixed(2) ?? "–"} | ${cpu?.toFixed(0) ?? "–"} |`,
    ),
    "",
    `Bearer plus carrying and verifying the proof, and nothing else (1 / (1/a + 1/v − 1) per round, median): ≈ ${summary.ceilingRatio.toFixed(2)} of echo, ` +
      `the most any DPoP check with a fresh signature per request reaches on this machine; (d) reaches ${summary.dpopRatio.toFixed(2)}.`,
  ];
}

export function formatConsole(report: BenchReport): string {
  const header = ["scenario", "req/s", "p50 ms", "p99 ms", "a/b", "JWKS/1k (warm-up)", "CPU µs/req"];
  const body = rows(report).map((r) => [
    r.scenario,
    r.load.requestsPerSecond.toFixed(0),
    r.load.p50Ms.toFixed(2),
    r.load.p99Ms.toFixed(2),
    r.ratio,
    r.jwks,
    cpuCell(r.load),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  const lines = [
    `${report.generator}, ${report.connections} connections, ${report.durationSeconds} s per scenario after ${report.warmupSeconds} s warm-up; ${report.machine}`,
    `ratios are against the mean echo baseline, ${baselineRps(report).toFixed(0)} req/s`,
    "",
    line(header),
    ...body.map(line),
    "",
    ...referenceNote(report),
    ...dpopNote(report),
    ...interleavedSection(report, ""),
    `bundle: ${kib(report.bundle.rawBytes)} raw, ${kib(report.bundle.gzipBytes)} gzip`,
    "",
    ...verdicts(report).map((v) => `${v.pass ? "PASS" : "MISS"}  ${v.name}: ${v.measured} (target ${v.target})`),
  ];
  return lines.join("\n");
}

export function formatMarkdown(report: BenchReport): string {
  const table = [
    "| Scenario | req/s | p50 ms | p99 ms | ratio a/b | JWKS fetches / 1,000 (cold warm-up fetches) | workerd CPU µs / request |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...rows(report).map(
      (r) =>
        `| ${r.scenario} | ${r.load.requestsPerSecond.toFixed(0)} | ${r.load.p50Ms.toFixed(2)} | ${r.load.p99Ms.toFixed(2)} | ${r.ratio} | ${r.jwks} | ${cpuCell(r.load)} |`,
    ),
  ];
  const targets = [
    "| Target | Measured | Goal | Result |",
    "|---|---:|---:|---|",
    ...verdicts(report).map((v) => `| ${v.name} | ${v.measured} | ${v.target} | ${v.pass ? "PASS" : "MISS"} |`),
  ];
  const fleet = report.fleet
    ? [
        "",
        "## Offline plan, 1 vs 500 servers (`npm run plan`, fresh process each; goal: 500 within 2× of 1)",
        "",
        "| Servers | Resources | Median ms | ms / server | CPU ms | Load average |",
        "|---:|---:|---:|---:|---:|---:|",
        ...report.fleet.map(
          (s) => `| ${s.servers} | ${s.resources} | ${s.medianMs.toFixed(1)} | ${s.msPerServer.toFixed(2)} | ${s.medianCpuMs?.toFixed(0) ?? "–"} | ${s.loadAverage?.toFixed(2) ?? "–"} |`,
        ),
        ...fleetRatioNote(report.fleet),
      ]
    : [];
  return [
    "# Benchmark results",
    "",
    `Generated by \`npm run bench\` on ${report.startedAt}. ${report.machine}.`,
    `Load generator: ${report.generator} (separate process), ${report.connections} connections, ` +
      `${report.warmupSeconds} s warm-up then ${report.durationSeconds} s per scenario. Both workers run in the same ` +
      "workerd (Miniflare) on 127.0.0.1; (a) sends session-less authenticated `tools/call hello` requests with " +
      "`MCP-Protocol-Version`, (b) the same request to `bench/echo-worker.js` (measured first and last; ratios use " +
      `the mean, ${baselineRps(report).toFixed(0)} req/s), (r) the same request to \`bench/jose-floor-worker.js\` ` +
      "(jose `jwtVerify` with a cached JWKS, then echo: the cost of the signature check alone; reference, no target).",
    "",
    ...table,
    "",
    ...referenceNote(report).flatMap((note) => [note, ""]),
    ...dpopNote(report).flatMap((note) => [note, ""]),
    ...interleavedSection(report, "## "),
    `Bundle \`dist/worker/index.js\`: ${kib(report.bundle.rawBytes)} raw, ${kib(report.bundle.gzipBytes)} gzip.`,
    "",
    ...targets,
    ...fleet,
    "",
  ].join("\n");
}

function interleavedSection(report: BenchReport, heading: string): string[] {
  const lines = interleavedLines(report);
  if (lines.length === 0) return [];
  return [
    `${heading}Interleaved rounds (${report.interleaved?.length} × echo, Bearer, verify floor, DPoP; servers kept up, order rotated, each ratio against its own round's echo)`,
    "",
    ...lines,
    "",
  ];
}

function cpuCell(load: LoadResult): string {
  return load.serverCpuMicros === undefined ? "–" : load.serverCpuMicros.toFixed(0);
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
