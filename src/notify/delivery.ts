/** One message POSTed to a webhook, retried when trying again can help, every failure told in one line. */
import { VERSION } from "../version.ts";
import { redactIn } from "./url.ts";
import { seconds } from "./text.ts";

export interface DeliveryOptions {
  fetch: typeof fetch;
  url: string;
  /** The URL as logs show it (`redactWebhookUrl`). */
  shown: string;
  timeoutMs: number;
  maxAttempts: number;
  /** The first retry's wait; each next one doubles, up to `MAX_BACKOFF_MS`. */
  retryBaseMs: number;
  /** The longest a `Retry-After` is honoured for. */
  maxRetryAfterMs: number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Aborts the delivery on shutdown: no report, the caller counts what was lost. */
  signal: AbortSignal;
  onProblem: (line: string) => void;
}

export type Outcome = "delivered" | "failed" | "aborted";

const MAX_BACKOFF_MS = 30_000;

/** What went wrong with one attempt, and whether another could go better. */
interface Failure {
  reason: string;
  retry: boolean;
  retryAfterMs: number | null;
}

class Timeout extends Error {}

/** `Retry-After` in seconds (fractions too) or as an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null): number | null {
  if (header === null || header.trim() === "") return null;
  const secondsValue = Number(header.trim());
  if (Number.isFinite(secondsValue)) return Math.max(0, secondsValue * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/**
 * A network error in words. Deno's fetch errors name the URL they were sending to, so the message is
 * never passed on as it is: known causes get their name, anything else goes through `redactIn`.
 */
function networkReason(error: unknown, url: string): string {
  const message = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error);
  if (/connection refused/i.test(message)) return "connection refused";
  if (/dns error|failed to lookup|name or service not known|nodename nor servname/i.test(message)) {
    return "host not found";
  }
  if (/connection reset/i.test(message)) return "connection reset";
  if (/certificate|tls|ssl/i.test(message)) return "TLS error";
  const first = (error instanceof Error ? error.message : String(error)).split("\n")[0];
  return `network error: ${redactIn(first, url).slice(0, 200)}`;
}

/** A short excerpt of an error answer (Slack says `invalid_payload`, `no_service`), out of sight of the URL. */
async function excerpt(response: Response, url: string): Promise<string> {
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader !== undefined && size < 4096) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader?.cancel();
  const bytes = new Uint8Array(size);
  chunks.reduce((at, chunk) => (bytes.set(chunk, at), at + chunk.length), 0);
  const text = new TextDecoder().decode(bytes.subarray(0, 4096)).replace(/\s+/g, " ").trim();
  return text === "" ? "" : ` (${redactIn(text, url).slice(0, 120)})`;
}

async function attempt(body: string, o: DeliveryOptions): Promise<Failure | null> {
  const controller = new AbortController();
  const stop = () => controller.abort(o.signal.reason);
  if (o.signal.aborted) stop();
  o.signal.addEventListener("abort", stop, { once: true });
  const timer = setTimeout(() => controller.abort(new Timeout()), o.timeoutMs);
  try {
    const response = await o.fetch(o.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": `trackio-cli/${VERSION}` },
      body,
      signal: controller.signal,
    });
    if (response.ok) {
      await response.body?.cancel();
      return null;
    }
    const status = response.status;
    const after = retryAfterMs(response.headers.get("retry-after"));
    const detail = await excerpt(response, o.url);
    const retry = status === 429 || status >= 500;
    return { reason: `HTTP ${status}${detail}`, retry, retryAfterMs: retry ? after : null };
  } catch (error) {
    if (o.signal.aborted) throw error;
    if (controller.signal.reason instanceof Timeout) {
      return { reason: `no answer within ${seconds(o.timeoutMs)}`, retry: true, retryAfterMs: null };
    }
    return { reason: networkReason(error, o.url), retry: true, retryAfterMs: null };
  } finally {
    clearTimeout(timer);
    o.signal.removeEventListener("abort", stop);
  }
}

/** Posts `body` (which stands for `events` events) until it is delivered, refused, or out of attempts. */
export async function deliver(body: string, events: number, o: DeliveryOptions): Promise<Outcome> {
  const lost = `${events} ${events === 1 ? "event" : "events"} not delivered`;
  for (let n = 1; n <= o.maxAttempts; n++) {
    let failure: Failure | null;
    try {
      failure = await attempt(body, o);
    } catch {
      return "aborted";
    }
    if (failure === null) return "delivered";
    if (!failure.retry) {
      o.onProblem(`webhook ${o.shown}: ${failure.reason}, not retried (${lost})`);
      return "failed";
    }
    if (n === o.maxAttempts) {
      const attempts = n === 1 ? "1 attempt" : `${n} attempts`;
      o.onProblem(`webhook ${o.shown}: ${failure.reason}, giving up after ${attempts} (${lost})`);
      return "failed";
    }
    const backoff = Math.min(o.retryBaseMs * 2 ** (n - 1), MAX_BACKOFF_MS);
    const wait = failure.retryAfterMs === null ? backoff : Math.min(failure.retryAfterMs, o.maxRetryAfterMs);
    const next = `attempt ${n + 1} of ${o.maxAttempts}`;
    o.onProblem(`webhook ${o.shown}: ${failure.reason}, retrying in ${seconds(wait)} (${next})`);
    await o.sleep(wait, o.signal);
    if (o.signal.aborted) return "aborted";
  }
  return "failed";
}
