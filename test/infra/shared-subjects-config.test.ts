import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../infra/config.ts";
import { parseWorkerConfig } from "../../worker/config.ts";
import { expectIssue, withServer } from "./support/config-issues.ts";
import { baseValues, input } from "./support/fixtures.ts";

describe("stack config: sharedSubjects (worker var SHARED_SUBJECTS)", () => {
  const varOf = (values: Record<string, unknown>) => parseStackConfig(input(values)).servers[0]?.vars["SHARED_SUBJECTS"];

  it("defaults to authgent-server's shared browser subjects", () => {
    expect(varOf(baseValues())).toBe("auto_approved_user,consent_user");
  });

  it("writes a list as the comma-separated var the worker parses back to the same list", () => {
    const value = varOf(withServer((server) => (server["sharedSubjects"] = ["kiosk", "guest"])));
    expect(value).toBe("kiosk,guest");
    expect(parseWorkerConfig({ AUTHGENT_ISSUER: "https://a.example", MCP_AUDIENCE: "https://m.example", SHARED_SUBJECTS: value }).sharedSubjects).toEqual(["kiosk", "guest"]);
  });

  it("writes an empty list as none, not as an empty var (which the worker reads as its default)", () => {
    const value = varOf(withServer((server) => (server["sharedSubjects"] = [])));
    expect(value).toBe("none");
    expect(parseWorkerConfig({ AUTHGENT_ISSUER: "https://a.example", MCP_AUDIENCE: "https://m.example", SHARED_SUBJECTS: value }).sharedSubjects).toEqual([]);
  });

  it.each([["two words"], ["a,b"], [""]])("refuses the subject %j, naming the key", (subject) => {
    expectIssue(withServer((server) => (server["sharedSubjects"] = [subject])), "servers[0].sharedSubjects[0]", "must be token subjects");
  });
});
