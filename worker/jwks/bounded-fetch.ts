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
  const deadline = startDeadline(options.timeoutMs);
  try {
    let response: Response;
    try {
      // workerd rejects redirect: "error"; "manual" hands us the 3xx to refuse,
      // so a compromised endpoint cannot bounce us to a host of its choosing.
      response = await options.fetch(url, {
        signal: deadline.signal,
        redirect: "manual",
        headers: { accept: "application/json" },
      });
    } catch (cause) {
      throw deadline.signal.aborted
        ? new JwksFetchError("timeout", `${url} did not answer in time`, { cause })
        : new JwksFetchError("network", `${url} could not be fetched`, { cause });
    }
    deadline.headersReceived();
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new JwksFetchError("http_status", `${url} answered HTTP ${response.status}`, { status: response.status });
    }
    const text = await readTextBounded(url, response, options.maxBodyBytes, deadline.expired);
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new JwksFetchError("not_json", `${url} did not answer JSON`, { cause });
    }
  } finally {
    deadline.clear();
  }
}

const EXPIRED = Symbol("expired");

interface Deadline {
  /** Aborts the request while its headers are awaited. */
  readonly signal: AbortSignal;
  /** Resolves (never rejects) when time is up. */
  readonly expired: Promise<typeof EXPIRED>;
  headersReceived(): void;
  clear(): void;
}

/**
 * One timer for the whole exchange. Before the headers it aborts the fetch;
 * afterwards it only resolves `expired`, which the body reader races against
 * each read (see `readTextBounded` for why it does not abort).
 */
function startDeadline(timeoutMs: number): Deadline {
  const controller = new AbortController();
  let awaitingHeaders = true;
  let expire: (value: typeof EXPIRED) => void = () => undefined;
  const expired = new Promise<typeof EXPIRED>((resolve) => {
    expire = resolve;
  });
  const timer = setTimeout(() => {
    if (awaitingHeaders) controller.abort(new DOMException("JWKS fetch timed out", "TimeoutError"));
    expire(EXPIRED);
  }, timeoutMs);
  return {
    signal: controller.signal,
    expired,
    headersReceived: () => {
      awaitingHeaders = false;
    },
    clear: () => clearTimeout(timer),
  };
}

async function readTextBounded(
  url: string,
  response: Response,
  maxBytes: number,
  expired: Promise<typeof EXPIRED>,
): Promise<string> {
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
    const read = reader.read();
    const result = await Promise.race([read, expired]);
    if (result === EXPIRED) {
      // The stalled read is abandoned, not cancelled: cancelling a stalled
      // fetch body (or aborting its fetch) makes workerd reject an internal
      // promise nobody can handle. workerd closes the subrequest when this
      // request ends; the read's eventual rejection is expected, so ignored.
      read.catch(() => undefined);
      throw new JwksFetchError("timeout", `${url} did not finish its body in time`);
    }
    if (result.done) break;
    total += result.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(result.value);
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
