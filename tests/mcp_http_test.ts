/**
 * `trackio-cli mcp --http` as a real server: both URLs, the bearer token, DNS-rebinding checks,
 * body limit, malformed requests and clients that hang up, and refusing unsafe start-ups.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { httpSession, startHttpServer } from "./helpers/mcp.ts";
import { lossRows, TrackioDb } from "./helpers/trackio_db.ts";

const TOKEN = "test-token-0123456789abcdef";

const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

/** One HTTP/1.1 exchange over a plain socket, so that any Host header can be sent. */
async function rawRequest(url: string, head: string[], body = ""): Promise<{ status: number; text: string }> {
  const { hostname, port, pathname } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const bytes = new TextEncoder().encode(body);
  const request = [
    `POST ${pathname} HTTP/1.1`,
    ...head,
    "Content-Type: application/json",
    "Accept: application/json, text/event-stream",
    `Content-Length: ${bytes.length}`,
    "Connection: close",
    "",
    "",
  ].join("\r\n");
  await conn.write(new TextEncoder().encode(request));
  await conn.write(bytes);
  const text = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
  return { status: Number(text.split(" ")[1]), text };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      ...headers,
    },
    body,
  });

Deno.test("HTTP: answers at /mcp and at Trackio's /gradio_api/mcp/, refuses other paths and GET", async () => {
  const dir = fixtureDir("head");
  const server = await startHttpServer(["--dir", dir]);
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    for (const path of ["/mcp", "/gradio_api/mcp/"]) {
      const { client, close } = await httpSession(server.url.replace(/\/mcp$/, path));
      const projects = await client.callTool({ name: "get_all_projects", arguments: {} });
      assert.ok((projects.structuredContent as { result: string[] }).result.includes("sft-qwen"), path);
      await close();
    }
    const base = server.url.replace(/\/mcp$/, "");
    const other = await post(`${base}/admin`, JSON.stringify(INIT));
    assert.equal(other.status, 404);
    await other.body?.cancel();
    const get = await fetch(server.url, { headers: { Accept: "text/event-stream" } });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    await get.body?.cancel();
  } finally {
    assert.equal(await server.stop(), 0, server.stderr());
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("HTTP: a foreign Host or Origin is refused (DNS rebinding), oversized bodies too", async () => {
  const dir = fixtureDir("head");
  const server = await startHttpServer(["--dir", dir]);
  const { port } = new URL(server.url);
  try {
    const body = JSON.stringify(INIT);
    const good = await rawRequest(server.url, [`Host: localhost:${port}`], body);
    assert.equal(good.status, 200, good.text);
    const evilHost = await rawRequest(server.url, [`Host: evil.example:${port}`], body);
    assert.equal(evilHost.status, 403);
    assert.match(evilHost.text, /unexpected Host 'evil\.example'/);
    const evilOrigin = await rawRequest(server.url, [
      `Host: 127.0.0.1:${port}`,
      "Origin: http://evil.example",
    ], body);
    assert.equal(evilOrigin.status, 403);
    const localOrigin = await rawRequest(server.url, [
      `Host: 127.0.0.1:${port}`,
      "Origin: http://localhost:3000",
    ], body);
    assert.equal(localOrigin.status, 200);
    const huge = await post(server.url, JSON.stringify({ ...INIT, pad: "x".repeat(2 * 1024 * 1024) }));
    assert.equal(huge.status, 413);
    await huge.body?.cancel();
  } finally {
    assert.equal(await server.stop(), 0);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("HTTP: with a token, requests without it get 401; the SDK client with it works", async () => {
  const dir = fixtureDir("head");
  const server = await startHttpServer(["--dir", dir], { TRACKIO_CLI_MCP_TOKEN: TOKEN });
  try {
    assert.match(server.stderr(), /bearer token required/);
    const attempts: Record<string, string>[] = [{}, { Authorization: "Bearer wrong-token-0123456789abcd" }, {
      Authorization: TOKEN,
    }];
    for (const headers of attempts) {
      const response = await post(server.url, JSON.stringify(INIT), headers);
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="trackio-cli"');
      await response.body?.cancel();
    }
    const { client, close } = await httpSession(server.url, { Authorization: `Bearer ${TOKEN}` });
    const { tools } = await client.listTools();
    assert.ok(tools.length > 10);
    await close();
  } finally {
    assert.equal(await server.stop(), 0);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("HTTP: malformed JSON-RPC and a client that hangs up mid-call leave the server serving", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-http-" });
  const db = new TrackioDb(join(dir, "long.db"), "head");
  db.log("r", lossRows(200_000));
  db.close();
  const server = await startHttpServer(["--dir", dir]);
  try {
    const broken = await post(server.url, "{not json");
    assert.equal(broken.status, 400);
    assert.equal((await broken.json()).error.code, -32700);
    const notRpc = await post(server.url, JSON.stringify({ hello: 1 }));
    assert.equal(notRpc.status, 400);
    await notRpc.body?.cancel();

    const abort = new AbortController();
    const slow = post(
      server.url,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "get_logs", arguments: { project: "long", run: "r", max_rows: 1000 } },
      }),
    );
    // A fresh fetch with a signal that fires while the server is still reading the run.
    const hungUp = fetch(server.url, {
      method: "POST",
      signal: abort.signal,
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "get_metric_values", arguments: { project: "long", run: "r", metric: "loss" } },
      }),
    });
    setTimeout(() => abort.abort(), 20);
    await assert.rejects(hungUp);
    await (await slow).body?.cancel();

    const { client, close } = await httpSession(server.url);
    const curve = await client.callTool({
      name: "get_metric_values",
      arguments: { project: "long", run: "r", metric: "loss" },
    });
    assert.ok(!curve.isError);
    await close();
    assert.doesNotMatch(server.stderr(), /\n\s+at |panic|Uncaught/);
  } finally {
    assert.equal(await server.stop(), 0, server.stderr());
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("HTTP: serving beyond loopback needs a token; bad ports are one-line errors", async () => {
  const open = await runCli(["mcp", "--http", "--host", "0.0.0.0", "--port", "0", "--demo"]);
  assert.equal(open.code, 5);
  assert.match(open.stderr, /^error: refusing to serve on 0\.0\.0\.0 without a token.*TRACKIO_CLI_MCP_TOKEN/);
  assert.equal(open.stderr.trim().split("\n").length, 1);
  const short = await runCli(["mcp", "--http", "--host", "0.0.0.0", "--token", "abc", "--demo"]);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /^error: the token is too short/);
  const port = await runCli(["mcp", "--http", "--port", "70000", "--demo"]);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /^error: --port: '70000' is not a port number/);

  const server = await startHttpServer(["--demo"]);
  try {
    const taken = await runCli(["mcp", "--http", "--port", new URL(server.url).port, "--demo"]);
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /^error: port \d+ on 127\.0\.0\.1 is already in use/);
  } finally {
    await server.stop();
  }
});

Deno.test("HTTP: on every interface with a token, any Host may ask but only with the token", async () => {
  const server = await startHttpServer(["--demo", "--host", "0.0.0.0"], { TRACKIO_CLI_MCP_TOKEN: TOKEN });
  const { port } = new URL(server.url);
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    const body = JSON.stringify(INIT);
    const named = await rawRequest(
      url,
      [`Host: gpu-box.lan:${port}`, `Authorization: Bearer ${TOKEN}`],
      body,
    );
    assert.equal(named.status, 200, named.text);
    const anonymous = await rawRequest(url, [`Host: gpu-box.lan:${port}`], body);
    assert.equal(anonymous.status, 401);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});
