import { cacheFor } from "./mcp_cache.ts";
import { numberFlag } from "./numbers.ts";
import { refused, usageError } from "../errors.ts";
import { toJson } from "../json.ts";
import { clientConfig, renderClientConfig } from "../mcp/client_config.ts";
import { isLoopback, serveHttp } from "../mcp/http.ts";
import { PROMPTS } from "../mcp/prompts.ts";
import { createServer } from "../mcp/server.ts";
import { MIN_TOKEN_LENGTH, TOKEN_ENV } from "../mcp/settings.ts";
import { StdioTransport } from "../mcp/stdio.ts";
import { readEnv } from "../util/env.ts";
import { TOOLS } from "../tools/index.ts";
import { dataDirFor, sourceFor } from "./common_options.ts";
import type { ToolContext } from "../tools/registry.ts";
import type { ServedData } from "../mcp/client_config.ts";
import { findHfToken } from "../store/remote/hf_token.ts";
import { shownSpace } from "../store/remote/space.ts";
import type { McpOptions } from "./mcp_command.ts";
import { writeErr, writeOut } from "./output.ts";

const log = (line: string) => writeErr(`trackio-cli mcp: ${line}\n`);

function describe(ctx: ToolContext): string {
  return `${TOOLS.length} tools and ${PROMPTS.length} prompts, data in ${ctx.source.location}`;
}

function parsePort(text: string): number {
  const port = numberFlag("--port", text, true, "a port number");
  if (port < 0 || port > 65535) {
    throw usageError(`--port: '${text}' is not a port number`);
  }
  return port;
}

function checkToken(host: string, token: string | undefined): void {
  if (token === undefined && !isLoopback(host)) {
    throw refused(
      `refusing to serve on ${host} without a token: anyone who can reach it could read your runs`,
      `set ${TOKEN_ENV} (or --token) to a secret, e.g. export ${TOKEN_ENV}=$(openssl rand -hex 32)`,
    );
  }
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw usageError(`the token is too short (${token.length} characters, at least ${MIN_TOKEN_LENGTH})`);
  }
}

async function serveStdio(ctx: ToolContext): Promise<void> {
  const server = createServer(ctx, log);
  const transport = new StdioTransport();
  const closed = new Promise<void>((resolve) => (server.onclose = resolve));
  await server.connect(transport);
  log(`serving ${describe(ctx)} over stdio`);
  await closed;
}

async function serveOverHttp(
  ctx: ToolContext,
  options: McpOptions,
  token: string | undefined,
): Promise<void> {
  // Ctrl-C and SIGTERM stop the server cleanly; listen for them before announcing the address, so
  // that a signal sent as soon as the address is known is not a kill.
  const stop = new AbortController();
  const abort = () => stop.abort();
  Deno.addSignalListener("SIGINT", abort);
  Deno.addSignalListener("SIGTERM", abort);
  try {
    const httpServer = listen(ctx, options, token, stop.signal);
    await httpServer.finished;
  } finally {
    Deno.removeSignalListener("SIGINT", abort);
    Deno.removeSignalListener("SIGTERM", abort);
  }
}

function listen(ctx: ToolContext, options: McpOptions, token: string | undefined, signal: AbortSignal) {
  try {
    return serveHttp(
      {
        host: options.host,
        port: parsePort(options.port),
        token,
        allowedHosts: options.allowHost,
        signal,
        onListen: (url) => {
          log(
            `serving ${describe(ctx)} at ${url} (also /gradio_api/mcp/)${
              token ? ", bearer token required" : ""
            }`,
          );
        },
      },
      () => createServer(ctx, log),
      log,
    );
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw usageError(
        `port ${options.port} on ${options.host} is already in use`,
        "pick another with --port",
      );
    }
    if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.AddrNotAvailable) {
      throw usageError(`cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`);
    }
    throw error;
  }
}

/** What `trackio-cli mcp` does: print the client configuration, or serve over stdio or HTTP. */
export async function runMcp(options: McpOptions): Promise<void> {
  const ctx: ToolContext = { source: sourceFor(options), cache: cacheFor(options.cacheMb) };
  const token = options.token ?? readEnv(TOKEN_ENV);
  if (options.printConfig) {
    const shownHost = options.host.includes(":") ? `[${options.host}]` : options.host;
    const url = `http://${shownHost}:${options.port}/mcp`;
    const space = options.space ?? (options.dir || options.demo ? undefined : readEnv("TRACKIO_SPACE_ID"));
    const served: ServedData = space
      ? { space: shownSpace(space), private: findHfToken(options.hfToken, readEnv).token !== undefined }
      : { dataDir: dataDirFor(options) };
    const config = clientConfig(served, url, token !== undefined);
    writeOut(options.json ? `${toJson(config, 2)}\n` : renderClientConfig(config));
    return;
  }
  if (!options.http) return await serveStdio(ctx);
  checkToken(options.host, token);
  await serveOverHttp(ctx, options, token);
}
