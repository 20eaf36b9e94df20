/**
 * The conformance fixture server: what `@modelcontextprotocol/conformance`
 * 0.1.16's server scenarios call (their descriptions are the fixture spec:
 * `npx conformance list`, then each scenario's "Server Implementation
 * Requirements"), written with the kit like any other server. `npm run
 * conformance` builds it and runs the suite against it in workerd.
 */
import { defineMcpServer, textResult, toolError, tool } from "../../worker/kit/index.ts";

const SCOPE = "mcp:read";
/** A 1×1 red PNG and a 1-sample WAV, base64: the smallest valid payloads. */
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQIAAAAAAA==";
const NO_ARGS = { type: "object", properties: {} } as const;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

function fixed(name: string, description: string, content: unknown[]) {
  return tool({ name, description, inputSchema: NO_ARGS, scope: SCOPE, handler: async () => ({ content: content as never }) });
}

const tools = [
  fixed("test_simple_text", "Returns simple text.", [{ type: "text", text: "This is a simple text response for testing." }]),
  fixed("test_image_content", "Returns an image.", [{ type: "image", data: PNG, mimeType: "image/png" }]),
  fixed("test_audio_content", "Returns audio.", [{ type: "audio", data: WAV, mimeType: "audio/wav" }]),
  fixed("test_embedded_resource", "Returns an embedded resource.", [
    { type: "resource", resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." } },
  ]),
  fixed("test_multiple_content_types", "Returns text, image and resource.", [
    { type: "text", text: "Multiple content types test:" },
    { type: "image", data: PNG, mimeType: "image/png" },
    { type: "resource", resource: { uri: "test://mixed-content-resource", mimeType: "application/json", text: '{"test":"data","value":123}' } },
  ]),
  tool({
    name: "test_error_handling",
    description: "Always fails.",
    inputSchema: NO_ARGS,
    scope: SCOPE,
    handler: async () => toolError("This tool intentionally returns an error for testing"),
  }),
  tool({
    name: "test_tool_with_logging",
    description: "Logs three messages while it runs.",
    inputSchema: NO_ARGS,
    scope: SCOPE,
    handler: async (_args, { log, signal }) => {
      log("info", "Tool execution started");
      await sleep(50, signal);
      log("info", "Tool processing data");
      await sleep(50, signal);
      log("info", "Tool execution completed");
      return textResult("Logging tool completed.");
    },
  }),
  tool({
    name: "test_tool_with_progress",
    description: "Reports progress 0, 50, 100 of 100.",
    inputSchema: NO_ARGS,
    scope: SCOPE,
    handler: async (_args, { progress, signal }) => {
      progress(0, 100);
      await sleep(50, signal);
      progress(50, 100);
      await sleep(50, signal);
      progress(100, 100);
      return textResult("Progress tool completed.");
    },
  }),
  tool({
    name: "json_schema_2020_12_tool",
    description: "Tool with JSON Schema 2020-12 features",
    inputSchema: {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      $defs: { address: { type: "object", properties: { street: { type: "string" }, city: { type: "string" } } } },
      properties: { name: { type: "string" }, address: { $ref: "#/$defs/address" } },
      additionalProperties: false,
    },
    scope: SCOPE,
    handler: async (args) => textResult(JSON.stringify(args)),
  }),
];

const server = defineMcpServer({
  name: "authgent-conformance-fixture",
  version: "1.0.0",
  tools,
  resources: [
    {
      uri: "test://static-text",
      name: "static-text",
      mimeType: "text/plain",
      read: async (uri) => [{ uri, mimeType: "text/plain", text: "This is the content of the static text resource." }],
    },
    {
      uri: "test://static-binary",
      name: "static-binary",
      mimeType: "image/png",
      read: async (uri) => [{ uri, mimeType: "image/png", blob: PNG }],
    },
  ],
  resourceTemplates: [
    {
      uriTemplate: "test://template/{id}/data",
      name: "template-data",
      mimeType: "application/json",
      read: async (uri, { id }) => [{ uri, mimeType: "application/json", text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }],
    },
  ],
  prompts: [
    {
      name: "test_simple_prompt",
      description: "A simple prompt.",
      get: async () => ({ messages: [{ role: "user", content: { type: "text", text: "This is a simple prompt for testing." } }] }),
    },
    {
      name: "test_prompt_with_arguments",
      description: "A prompt with two arguments.",
      arguments: [
        { name: "arg1", description: "First test argument", required: true },
        { name: "arg2", description: "Second test argument", required: true },
      ],
      complete: { arg1: (value) => ["paris", "park", "party"].filter((v) => v.startsWith(value)) },
      get: async ({ arg1, arg2 }) => ({
        messages: [{ role: "user", content: { type: "text", text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }],
      }),
    },
    {
      name: "test_prompt_with_embedded_resource",
      description: "A prompt embedding a resource.",
      arguments: [{ name: "resourceUri", description: "URI of the resource to embed", required: true }],
      get: async ({ resourceUri }) => ({
        messages: [
          { role: "user", content: { type: "resource", resource: { uri: resourceUri ?? "", mimeType: "text/plain", text: "Embedded resource content for testing." } } },
          { role: "user", content: { type: "text", text: "Please process the embedded resource above." } },
        ],
      }),
    },
    {
      name: "test_prompt_with_image",
      description: "A prompt with an image.",
      get: async () => ({
        messages: [
          { role: "user", content: { type: "image", data: PNG, mimeType: "image/png" } },
          { role: "user", content: { type: "text", text: "Please analyze the image above." } },
        ],
      }),
    },
  ],
});

export default server.worker;
export const { AuthgentMCPAgent } = server;
