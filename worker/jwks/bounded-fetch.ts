import { JwksFetchError } from "./fetch-error.ts";

export interface BoundedFetchOptions {
  readonly fetch: typeof fetch;
  /** Milliseconds, covering headers and body. */
  readonly timeoutMs: number;
  /** Bytes. */
  readonly maxBodyBytes: number;
}

/**
 * GETs `url` and parses its body as JSON, within a time limit and a size
 * limit, without following redirects. Throws `JwksFetchError`.
 */
export async function fetchJsonBounded(url: string, options: BoundedFetchOptions): Promise<unknown> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    // workerd rejects redirect: "error"; "manual" hands us the 3xx to refuse,
    // so a compromised endpoint cannot bounce us to a host of its choosing.
    response = await options.fetch(url, { signal, redirect: "manual", headers: { accept: "application/json" } });
  } catch (cause) {
    throw fetchFailure(url, cause, signal);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new JwksFetchError("http_status", `${url} answered HTTP ${response.status}`, { status: response.status });
  }
  let text: string;
  try {
    text = await readTextBounded(url, response, options.maxBodyBytes);
  } catch (cause) {
    if (cause instanceof JwksFetchError) throw cause;
    throw fetchFailure(url, cause, signal);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new JwksFetchError("not_json", `${url} did not answer JSON`, { cause });
  }
}

async function readTextBounded(url: string, response: Response, maxBytes: number): Promise<string> {
  const tooLarge = () => new JwksFetchError("too_large", `${url} answered more than ${maxBytes} bytes`);
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return "";
  // Stream with a running count: content-length may be absent (chunked) or lie.
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (cause) {
    throw new JwksFetchError("not_json", `${url} answered a body that is not UTF-8`, { cause });
  }
}

function fetchFailure(url: string, cause: unknown, signal: AbortSignal): JwksFetchError {
  return signal.aborted
    ? new JwksFetchError("timeout", `${url} did not answer in time`, { cause })
    : new JwksFetchError("network", `${url} could not be fetched`, { cause });
}
