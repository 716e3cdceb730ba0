/**
 * Real MCP sessions with trackio-cli: the official SDK client, talking to `trackio-cli mcp` run as
 * a subprocess over stdio or streamable HTTP.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { MAIN } from "./cli.ts";

export type TransportKind = "stdio" | "http";

export interface Session {
  client: Client;
  close(): Promise<void>;
}

const newClient = () => new Client({ name: "trackio-cli-tests", version: "1.0.0" });

export async function stdioSession(args: string[]): Promise<Session> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", MAIN, "mcp", ...args],
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
    stderr: "pipe",
  });
  const client = newClient();
  await client.connect(transport);
  return { client, close: () => client.close() };
}

export interface HttpServer {
  /** The endpoint the server announced, e.g. http://127.0.0.1:41234/mcp. */
  url: string;
  child: Deno.ChildProcess;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Stops the server the way Ctrl-C does and returns its exit code. */
  stop(): Promise<number>;
}

/** Starts `trackio-cli mcp --http --port 0 ...` and waits for the address it announces. */
export async function startHttpServer(args: string[], env: Record<string, string> = {}): Promise<HttpServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "mcp", "--http", "--port", "0", ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const url = await new Promise<string>((resolve, reject) => {
    (async () => {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return reject(new Error(`server exited before listening: ${text}`));
        text += value;
        const found = text.match(/at (http:\/\/\S+\/mcp)/);
        if (found) resolve(found[1]);
      }
    })().catch(reject);
  });
  // Keep draining stderr so the server never blocks on a full pipe.
  (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      text += value;
    }
  })().catch(() => {});
  return {
    url,
    child,
    stderr: () => text,
    stop: async () => {
      child.kill("SIGINT");
      return (await child.status).code;
    },
  };
}

export async function httpSession(url: string, headers: Record<string, string> = {}): Promise<Session> {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = newClient();
  await client.connect(transport);
  return { client, close: () => client.close() };
}

/** A session over either transport, on a data directory; `close` also stops an HTTP server. */
export async function session(kind: TransportKind, args: string[]): Promise<Session> {
  if (kind === "stdio") return await stdioSession(args);
  const server = await startHttpServer(args);
  const s = await httpSession(server.url);
  return {
    client: s.client,
    close: async () => {
      await s.close();
      const code = await server.stop();
      if (code !== 0) throw new Error(`HTTP server exited ${code}: ${server.stderr()}`);
    },
  };
}
