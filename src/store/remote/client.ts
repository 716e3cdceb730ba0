import { authError, notFound, remoteError, TrackioCliError } from "../../errors.ts";
import { sleep } from "../../util/sleep.ts";
import { CodingChoice, type CompressionPolicy } from "./coding.ts";
import { isLoopbackHost, tokenAllowed } from "./space.ts";

/** The version of Trackio's HTTP API this client speaks (`GET /version` says `api_version`). */
export const HTTP_API_VERSION = 1;
/** Trackio's `query_project` refuses results over this many rows. */
export const QUERY_ROW_CAP = 10_000;

export interface ClientOptions {
  /** A Hugging Face token, sent as a bearer token (only over HTTPS or to loopback). */
  token?: string;
  /** How long one request may take. */
  timeoutMs: number;
  /** Waits before each retry of a request that failed in a way that may pass (a Space waking up). */
  backoffMs: number[];
  /** Which coding to ask for (see `CodingChoice`); default "auto". */
  compression?: CompressionPolicy;
}

/** What went over the wire, for `deno task bench` and for tests. */
export interface WireStats {
  requests: number;
  /** Decoded characters of the answers. */
  bytes: number;
}

export interface QueryAnswer {
  columns: string[];
  rows: Record<string, unknown>[];
}

class Retryable extends Error {}

/** Words for why a request never got an answer, from the runtime's error text. */
function unreachable(url: string, error: unknown): string {
  const text = (error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : String(error))
    .trim();
  if (/dns error|failed to lookup|name or service not known|nodename nor servname/i.test(text)) {
    return `cannot reach ${url}: its host name does not resolve (DNS)`;
  }
  if (/certificate|tls|handshake|ssl/i.test(text)) return `cannot reach ${url}: the TLS handshake failed`;
  if (/refused/i.test(text)) return `cannot reach ${url}: connection refused`;
  if (/reset|closed|broken pipe|unexpected eof|incomplete|error reading a body/i.test(text)) {
    return `cannot reach ${url}: the connection was cut`;
  }
  return `cannot reach ${url}: ${text.split("\n")[0]}`;
}

/**
 * Trackio's HTTP API (version 1) as Trackio 0.36 serves it: `GET /version` and `POST /api/{name}` with
 * keyword arguments, answered `{"data": ...}` or `{"error": "..."}`. Only read endpoints are ever
 * called. The token never appears in an error, a log or a result.
 */
export class TrackioClient {
  readonly stats: WireStats = { requests: 0, bytes: 0 };
  private readonly coding: CodingChoice;
  private checked?: Promise<{ version: string; api_version: number }>;
  private readonly headers: Record<string, string>;

  constructor(readonly url: URL, private readonly options: ClientOptions) {
    this.headers = { "content-type": "application/json", accept: "application/json" };
    this.coding = new CodingChoice(options.compression ?? "auto", isLoopbackHost(url.hostname));
    if (options.token && tokenAllowed(url)) this.headers.authorization = `Bearer ${options.token}`;
  }

  /** Whether the next answers come plain (see `CodingChoice`): long reads page by less then. */
  get asksPlain(): boolean {
    return this.coding.next() === "identity";
  }

  get sendsToken(): boolean {
    return "authorization" in this.headers;
  }

  private get base(): string {
    return this.url.href.replace(/\/$/, "");
  }

  /** One request with the retry policy; returns the parsed JSON body and the status. */
  private async request(path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const target = new URL(path, this.url);
    const shown = `${this.base}${path.startsWith("/") ? path : `/${path}`}`;
    for (let attempt = 0;; attempt++) {
      try {
        return await this.once(target, shown, body);
      } catch (error) {
        if (!(error instanceof Retryable) || attempt >= this.options.backoffMs.length) {
          if (error instanceof Retryable) throw remoteError(error.message);
          throw error;
        }
        await sleep(this.options.backoffMs[attempt]);
      }
    }
  }

  private async once(target: URL, shown: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let response: Response;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    const sent = performance.now();
    try {
      response = await fetch(target, {
        method: body === undefined ? "GET" : "POST",
        // Never br, which fetch asks for by default: Trackio answers it with brotli at a quality that
        // compresses a page of rows about three times slower than gzip, to about the same size.
        headers: { ...this.headers, "accept-encoding": this.coding.next() },
        body: body === undefined ? undefined : JSON.stringify(body),
        // A redirect could carry the token to another host; Trackio's API never redirects.
        redirect: "manual",
        signal,
      });
    } catch (error) {
      if (signal.aborted) {
        throw remoteError(`${shown} did not answer within ${this.options.timeoutMs / 1000} s`);
      }
      throw new Retryable(unreachable(this.base, error));
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (signal.aborted) {
        throw remoteError(`${shown} did not finish its answer within ${this.options.timeoutMs / 1000} s`);
      }
      throw new Retryable(unreachable(this.base, error));
    }
    this.count(text, sent);
    const status = response.status;
    if (status === 401 || status === 403) {
      throw authError(
        `${this.base} refused access (HTTP ${status}): private Space: pass --hf-token or set HF_TOKEN`,
        this.sendsToken ? "the token was sent but not accepted: check it can read this Space" : undefined,
      );
    }
    if (status >= 300 && status < 400) {
      throw remoteError(`${shown} redirected (HTTP ${status}): not Trackio's HTTP API`);
    }
    if (status === 429 || status === 502 || status === 503 || status === 504) {
      throw new Retryable(`${shown} answered HTTP ${status}: the server is busy, asleep or restarting`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      if (status >= 500) throw new Retryable(`${shown} answered HTTP ${status} without Trackio's JSON`);
      if (/^\s*</.test(text)) {
        throw remoteError(
          `${shown} answered with an HTML page, not Trackio's HTTP API (is this a Trackio server?)`,
        );
      }
      if (status === 404 || status === 405) return { status, json: undefined };
      throw remoteError(`${shown} answered HTTP ${status} with a body that is not whole JSON (truncated?)`);
    }
    return { status, json };
  }

  /** Counts the answer, and tells the coding choice how quickly it came. */
  private count(text: string, sent: number): void {
    this.stats.requests++;
    this.stats.bytes += text.length;
    this.coding.record(text.length, performance.now() - sent);
  }

  /** The server's Trackio version, checked once: it must speak HTTP API version 1. */
  version(): Promise<{ version: string; api_version: number }> {
    this.checked ??= this.request("/version").then(({ status, json }) => {
      const body = json as { version?: unknown; api_version?: unknown } | undefined;
      if (status === 404 || typeof body?.api_version !== "number") {
        throw remoteError(
          `${this.base} has no Trackio HTTP API (GET /version answered HTTP ${status})`,
          "it needs a Trackio 0.36 or newer server: update the Space (trackio sync) or pass the right URL",
        );
      }
      if (body.api_version !== HTTP_API_VERSION) {
        throw remoteError(
          `${this.base} runs Trackio ${body.version ?? "?"} with HTTP API version ${body.api_version}; ` +
            `trackio-cli speaks version ${HTTP_API_VERSION}`,
          "use a trackio-cli release that speaks that version",
        );
      }
      return { version: String(body.version ?? "?"), api_version: body.api_version };
    });
    this.checked.catch(() => (this.checked = undefined));
    return this.checked;
  }

  /** Calls a read endpoint with keyword arguments and returns its `data`. */
  async call<T>(name: string, kwargs: Record<string, unknown>): Promise<T> {
    await this.version();
    const path = `/api/${name}`;
    const { status, json } = await this.request(path, kwargs);
    const body = (typeof json === "object" && json !== null ? json : undefined) as
      | { data?: unknown; error?: unknown }
      | undefined;
    if (status === 404) {
      throw remoteError(`${this.base} does not serve ${path}: it needs a newer Trackio`);
    }
    if (body && typeof body.error === "string") {
      throw new TrackioCliError(status >= 500 ? "remote" : "usage", `${this.base}${path}: ${body.error}`);
    }
    if (status !== 200 || body === undefined || !("data" in body)) {
      throw remoteError(`${this.base}${path} answered HTTP ${status} without Trackio's {"data": ...}`);
    }
    return body.data as T;
  }

  /**
   * One read-only statement through `query_project` (at most `QUERY_ROW_CAP` rows). Trackio answers
   * a bad statement with HTTP 500 and SQLite's message, which comes back as a `QueryRefused`.
   */
  async query(project: string, sql: string): Promise<QueryAnswer> {
    try {
      const data = await this.call<QueryAnswer>("query_project", { project, query: sql });
      return { columns: data.columns, rows: data.rows };
    } catch (error) {
      if (error instanceof TrackioCliError && error.code === "remote") {
        const message = error.message.replace(/^.*?\/api\/query_project: /, "");
        if (/^Project '.*' not found/.test(message)) throw notFound(message);
        if (message !== error.message) throw new QueryRefused(this.base, message);
      }
      throw error;
    }
  }
}

/**
 * The server could not run a statement (SQLite's message, or Trackio's refusal). A remote error: the
 * statement was trackio-cli's own, unless the user wrote it, which `query` says as a usage error.
 */
export class QueryRefused extends TrackioCliError {
  constructor(base: string, readonly serverMessage: string) {
    super("remote", `${base} could not run a query: ${serverMessage}`);
  }
}
