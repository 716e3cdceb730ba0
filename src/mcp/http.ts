import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";

/** The guide's Trackio URL is /gradio_api/mcp/; answering there keeps existing client configs working. */
export const MCP_PATHS = ["/mcp", "/mcp/", "/gradio_api/mcp", "/gradio_api/mcp/"];
/** The largest tool call is a few hundred bytes; a megabyte leaves room and stops memory abuse. */
export const MAX_BODY_BYTES = 1024 * 1024;

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);
const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127\./.test(host);
}

export interface HttpOptions {
  host: string;
  port: number;
  /** Bearer token every request must carry; required when `host` is not a loopback address. */
  token?: string;
  /** Host names (besides loopback ones) that requests may address, for a server reached by name. */
  allowedHosts: string[];
  onListen: (url: string) => void;
  /** Stops the server gracefully when aborted. */
  signal?: AbortSignal;
}

/** Host header without its port: `127.0.0.1:7860` -> `127.0.0.1`, `[::1]:80` -> `[::1]`. */
function hostName(header: string): string {
  return header.startsWith("[") ? header.slice(0, header.indexOf("]") + 1) : header.replace(/:\d+$/, "");
}

function jsonRpcError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json(
    { jsonrpc: "2.0", id: null, error: { code: ErrorCode.InvalidRequest, message } },
    { status, headers },
  );
}

/** Equal-time comparison, so the token cannot be guessed a byte at a time from response times. */
function sameToken(given: string, expected: string): boolean {
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i];
  return diff === 0;
}

/**
 * Checks that come before MCP sees a request: the path, DNS rebinding (a web page that resolves its
 * own name to 127.0.0.1 arrives with a foreign Host and Origin), the bearer token and the body size.
 * Returns the response that refuses the request, or undefined to let it through.
 */
export function guard(request: Request, options: HttpOptions): Response | undefined {
  const url = new URL(request.url);
  if (!MCP_PATHS.includes(url.pathname)) {
    return jsonRpcError(404, `not found: the MCP endpoint is ${MCP_PATHS[0]}`);
  }
  const wildcard = WILDCARD_HOSTS.has(options.host);
  const named = wildcard ? options.allowedHosts : [options.host, ...options.allowedHosts];
  const allowed = new Set([...LOOPBACK_NAMES, ...named.map((h) => h.toLowerCase())]);
  // Listening on every interface, the Host can be any of the machine's names: the token guards it.
  const anyHost = wildcard && options.allowedHosts.length === 0;
  const host = hostName(request.headers.get("host") ?? "").toLowerCase();
  if (!anyHost && !allowed.has(host)) return jsonRpcError(403, `forbidden: unexpected Host '${host}'`);
  const origin = request.headers.get("origin");
  if (origin !== null) {
    let originHost = "";
    try {
      originHost = new URL(origin).hostname.toLowerCase();
    } catch {
      // An unparsable Origin is refused below like a foreign one.
    }
    const ipv6 = originHost.includes(":") ? `[${originHost}]` : originHost;
    if (!allowed.has(originHost) && !allowed.has(ipv6) && !(anyHost && originHost === host)) {
      return jsonRpcError(403, `forbidden: unexpected Origin '${origin}'`);
    }
  }
  if (options.token !== undefined) {
    const auth = request.headers.get("authorization") ?? "";
    const given = auth.match(/^Bearer\s+(.+)$/i)?.[1] ?? "";
    if (!sameToken(given, options.token)) {
      return jsonRpcError(401, "unauthorized: missing or wrong bearer token", {
        "WWW-Authenticate": 'Bearer realm="trackio-cli"',
      });
    }
  }
  if (request.method !== "POST") {
    // Stateless server: no session to stream to or to delete.
    return jsonRpcError(405, "method not allowed: POST JSON-RPC messages to this endpoint", {
      Allow: "POST",
    });
  }
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES) return jsonRpcError(413, `request body over ${MAX_BODY_BYTES} bytes`);
  return undefined;
}

/**
 * Serves MCP over streamable HTTP, statelessly: every POST gets a fresh server and transport, so
 * clients share nothing and a client that vanishes mid-call leaves nothing behind.
 */
export function serveHttp(options: HttpOptions, makeServer: () => Server, log: (line: string) => void) {
  return Deno.serve({
    hostname: options.host,
    port: options.port,
    signal: options.signal,
    onListen: ({ hostname, port }) => {
      const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
      options.onListen(`http://${shown}:${port}${MCP_PATHS[0]}`);
    },
    onError: (error) => {
      log(`request failed: ${(error as Error)?.stack ?? error}`);
      return jsonRpcError(500, "internal error");
    },
  }, async (request) => {
    const refusal = guard(request, options);
    if (refusal) return refusal;
    const server = makeServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: MAX_BODY_BYTES,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request);
    } finally {
      await server.close();
    }
  });
}
