import { Command, Option } from "@commander-js/extra-typings";
import { refused, usageError } from "../errors.ts";
import { toJson } from "../json.ts";
import { clientConfig, renderClientConfig } from "../mcp/client_config.ts";
import { isLoopback, serveHttp, TOKEN_ENV } from "../mcp/http.ts";
import { PROMPTS } from "../mcp/prompts.ts";
import { createServer } from "../mcp/server.ts";
import { StdioTransport } from "../mcp/stdio.ts";
import type { DataDir } from "../store/paths.ts";
import { readEnv } from "../store/paths.ts";
import { TOOLS } from "../tools/index.ts";
import { addCommonOptions, type CommonOptions, dataDirFor } from "./common_options.ts";
import { writeErr, writeOut } from "./output.ts";

const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_PORT = 7860;
/** Shorter bearer tokens can be guessed; `openssl rand -hex 32` gives 64 characters. */
const MIN_TOKEN_LENGTH = 16;

export const MCP_EXAMPLES = [
  "trackio-cli mcp --print-config",
  "trackio-cli mcp --http --port 7860",
  "trackio-cli mcp --demo",
];

interface McpOptions extends CommonOptions {
  http?: boolean;
  host: string;
  port: string;
  token?: string;
  allowHost: string[];
  printConfig?: boolean;
}

const log = (line: string) => writeErr(`trackio-cli mcp: ${line}\n`);

function describe(dataDir: DataDir): string {
  return `${TOOLS.length} tools and ${PROMPTS.length} prompts, data in ${dataDir.path} (from ${dataDir.source})`;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
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

async function serveStdio(dataDir: DataDir): Promise<void> {
  const server = createServer({ dataDir }, log);
  const transport = new StdioTransport();
  const closed = new Promise<void>((resolve) => (server.onclose = resolve));
  await server.connect(transport);
  log(`serving ${describe(dataDir)} over stdio`);
  await closed;
}

async function serveOverHttp(
  dataDir: DataDir,
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
    const httpServer = listen(dataDir, options, token, stop.signal);
    await httpServer.finished;
  } finally {
    Deno.removeSignalListener("SIGINT", abort);
    Deno.removeSignalListener("SIGTERM", abort);
  }
}

function listen(dataDir: DataDir, options: McpOptions, token: string | undefined, signal: AbortSignal) {
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
            `serving ${describe(dataDir)} at ${url} (also /gradio_api/mcp/)${
              token ? ", bearer token required" : ""
            }`,
          );
        },
      },
      () => createServer({ dataDir }, log),
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

export function mcpCommand(): Command {
  const command = new Command("mcp")
    .summary("Serve every tool to AI agents (Claude Desktop, Claude Code) as an MCP server.")
    .description(
      "Serve every tool to AI agents as an MCP server: over stdio (the default; configure it in Claude " +
        "Desktop or Claude Code) or, with --http, over streamable HTTP at http://127.0.0.1:7860/mcp " +
        "(also /gradio_api/mcp/, Trackio's URL). Read-only. --print-config prints the client configuration.",
    )
    .option("--http", "serve streamable HTTP instead of stdio")
    .option(
      "--host <host>",
      "address to listen on with --http (anything but loopback needs a token)",
      DEFAULT_HOST,
    )
    .option("--port <port>", "port to listen on with --http (0 picks a free one)", String(DEFAULT_PORT))
    .option("--token <token>", `bearer token HTTP clients must send (default: $${TOKEN_ENV})`)
    .addOption(
      new Option("--allow-host <name...>", "extra Host names clients may use to reach the server").default(
        [],
      ),
    )
    .option("--print-config", "print ready-to-paste client configuration and exit");
  addCommonOptions(command as unknown as Command<[], Record<string, unknown>>);
  command.addHelpText("after", `\nExamples:\n${MCP_EXAMPLES.map((e) => `  $ ${e}`).join("\n")}\n`);
  command.action(async (raw) => {
    const options = raw as unknown as McpOptions;
    const dataDir = dataDirFor(options);
    const token = options.token ?? readEnv(TOKEN_ENV);
    if (options.printConfig) {
      const shownHost = options.host.includes(":") ? `[${options.host}]` : options.host;
      const url = `http://${shownHost}:${options.port}/mcp`;
      const config = clientConfig(dataDir, url, token !== undefined);
      writeOut(options.json ? `${toJson(config, 2)}\n` : renderClientConfig(config));
      return;
    }
    if (!options.http) return await serveStdio(dataDir);
    checkToken(options.host, token);
    await serveOverHttp(dataDir, options, token);
  });
  return command as unknown as Command;
}
