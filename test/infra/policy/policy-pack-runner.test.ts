/**
 * Loads the built pack the way `pulumi preview --policy-pack dist/policy`
 * does: through @pulumi/pulumi's own policy-pack runner (which registers
 * ts-node and `require()`s the directory), then talks to the analyzer it
 * serves over gRPC exactly as the CLI engine would. A pack that only works
 * when imported by vitest would fail here.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { credentials } from "@grpc/grpc-js";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb.js";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPolicyPack } from "../../../infra/policy/build.ts";
import { POLICIES } from "../../../infra/policy/policies.ts";
import { RESOURCE_TYPES } from "../../../infra/policy/resources.ts";
import { workersScript } from "./fixtures.ts";

const require = createRequire(import.meta.url);
// google-protobuf ships no types; these two classes are all the test needs.
const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js") as { Struct: { fromJavaScript(value: object): unknown } };
const { Empty } = require("google-protobuf/google/protobuf/empty_pb.js") as { Empty: new () => unknown };

const RUNNER = resolve("node_modules/@pulumi/pulumi/cmd/run-policy-pack");
const PACK_DIR = resolve(`dist/policy-test-${process.pid}`);

let runner: ChildProcess;
let client: analyzerGrpc.AnalyzerClient;

function call<Res>(invoke: (callback: (err: Error | null, res: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolveCall, reject) => {
    invoke((err, res) => (err ? reject(err) : resolveCall(res)));
  });
}

async function analyze(stack: string, resource: { type: string; name: string; props: object }) {
  const request = new analyzerPb.AnalyzeRequest()
    .setType(resource.type)
    .setName(resource.name)
    .setUrn(`urn:pulumi:${stack}::authgent-edge::${resource.type}::${resource.name}`)
    .setProperties(Struct.fromJavaScript(resource.props) as never)
    .setOptions(new analyzerPb.AnalyzerResourceOptions().setCustomtimeouts(new analyzerPb.AnalyzerResourceOptions.CustomTimeouts()));
  const response = await call<analyzerPb.AnalyzeResponse>((cb) => client.analyze(request, cb));
  return response.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: d.getEnforcementlevel(), message: d.getMessage() }));
}

beforeAll(async () => {
  await buildPolicyPack(PACK_DIR);
  // The CLI runs `<runner> <engine address> <pack dir>` with the pack as working directory.
  runner = spawn(process.execPath, [RUNNER, "127.0.0.1:1", PACK_DIR], { cwd: PACK_DIR, stdio: ["ignore", "pipe", "pipe"] });
  const port = await new Promise<number>((resolvePort, reject) => {
    let stderr = "";
    runner.stderr?.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    runner.once("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
    // The analyzer announces its gRPC port as the first line of stdout.
    runner.stdout?.once("data", (chunk: Buffer) => resolvePort(Number(chunk.toString().trim())));
  });
  client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  runner?.kill();
  await rm(PACK_DIR, { recursive: true, force: true });
});

describe("the built policy pack under Pulumi's policy-pack runner", () => {
  it("announces every policy, mandatory by default", async () => {
    const info = await call<analyzerPb.AnalyzerInfo>((cb) => client.getAnalyzerInfo(new Empty() as never, cb));
    expect(info.getName()).toBe("authgent-edge-guardrails");
    expect(info.getVersion()).toBe("0.1.0");
    expect(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()])).toEqual(
      POLICIES.map((p) => [p.name, analyzerPb.EnforcementLevel.MANDATORY]),
    );
  });

  it("reports a violating production worker with the policy's message", async () => {
    const script = workersScript({ issuer: "http://auth.yourcompany.com", extraBindings: [{ type: "plain_text", name: "UPSTREAM_API_KEY", text: "x" }] });
    const diagnostics = await analyze("production", script);
    expect(diagnostics.map((d) => [d.policy, d.level])).toEqual([
      ["issuer-and-audience-https", analyzerPb.EnforcementLevel.MANDATORY],
      ["no-plaintext-secret-bindings", analyzerPb.EnforcementLevel.MANDATORY],
    ]);
    expect(diagnostics[0]?.message).toContain('AUTHGENT_ISSUER is "http://auth.yourcompany.com", not an https URL');
  });

  it("passes the worker the program declares for the seed's production stack", async () => {
    expect(await analyze("production", workersScript())).toEqual([]);
  });

  it("checks a production RemoteImage for a digest pin", async () => {
    const diagnostics = await analyze("production", { type: RESOURCE_TYPES.remoteImage, name: "authgent-image", props: { name: "authgent/authgent:latest" } });
    expect(diagnostics.map((d) => d.policy)).toEqual(["authgent-image-pinned-by-digest"]);
  });

  it("runs the stack policy over the whole production stack", async () => {
    const script = workersScript();
    const resource = new analyzerPb.AnalyzerResource()
      .setType(script.type)
      .setName(script.name)
      .setUrn(`urn:pulumi:production::authgent-edge::${script.type}::${script.name}`)
      .setProperties(Struct.fromJavaScript(script.props) as never)
      .setOptions(new analyzerPb.AnalyzerResourceOptions().setCustomtimeouts(new analyzerPb.AnalyzerResourceOptions.CustomTimeouts()));
    const response = await call<analyzerPb.AnalyzeResponse>((cb) =>
      client.analyzeStack(new analyzerPb.AnalyzeStackRequest().setResourcesList([resource]), cb),
    );
    expect(response.getDiagnosticsList().map((d) => [d.getPolicyname(), d.getUrn()])).toEqual([["custom-domain-in-production", resource.getUrn()]]);
  });

  it("downgrades to advisory through policy config, as config/staging.json does for staging", async () => {
    const request = new analyzerPb.ConfigureAnalyzerRequest();
    for (const policy of POLICIES) {
      request.getPolicyconfigMap().set(
        policy.name,
        new analyzerPb.PolicyConfig().setEnforcementlevel(analyzerPb.EnforcementLevel.ADVISORY).setProperties(Struct.fromJavaScript({}) as never),
      );
    }
    await call((cb) => client.configure(request, cb));
    const diagnostics = await analyze("staging", workersScript({ stack: "staging", vars: { JWKS_CACHE_TTL: "86400" } }));
    expect(diagnostics.map((d) => [d.policy, d.level])).toEqual([["jwks-cache-ttl-range", analyzerPb.EnforcementLevel.ADVISORY]]);
  });
});
