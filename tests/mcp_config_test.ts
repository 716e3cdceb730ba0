/** `trackio-cli mcp --print-config`: what it prints is right, and the command it prints works. */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { ClientConfig } from "../src/mcp/client_config.ts";
import { runCli } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";

Deno.test("--print-config prints the three client configurations", async () => {
  const out = await runCli(["mcp", "--print-config"]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^# Claude Desktop/);
  assert.match(out.stdout, /\nclaude mcp add trackio -- \S+ run -A \S+main\.ts mcp\n/);
  assert.match(out.stdout, /\nclaude mcp add --transport http trackio http:\/\/127\.0\.0\.1:7860\/mcp\n/);
  const blocks = out.stdout.split(/\n(?=\{)|\n\}\n/).filter((b) => b.startsWith("{")).map((b) =>
    JSON.parse(`${b}\n}`)
  );
  assert.equal(blocks.length, 2);
  assert.deepStrictEqual(Object.keys(blocks[0].mcpServers.trackio), ["command", "args"]);
  assert.deepStrictEqual(blocks[1].mcpServers.trackio, { type: "http", url: "http://127.0.0.1:7860/mcp" });
});

Deno.test("the printed stdio command starts a working server on the same data, from any directory", async () => {
  const dir = fixtureDir("head");
  const out = await runCli(["mcp", "--print-config", "--json"], { env: { TRACKIO_DIR: dir } });
  const config: ClientConfig = JSON.parse(out.stdout);
  const { command, args } = config.claude_desktop.mcpServers.trackio;
  assert.deepStrictEqual(args.slice(-3), ["mcp", "--dir", dir], "the shell's TRACKIO_DIR becomes --dir");
  // Claude Desktop starts servers without the user's shell environment.
  const transport = new StdioClientTransport({
    command,
    args,
    env: { HOME: Deno.env.get("HOME") ?? "/" },
    cwd: "/",
    stderr: "pipe",
  });
  const client = new Client({ name: "config-test", version: "1" });
  await client.connect(transport);
  const answer = await client.callTool({ name: "get_all_projects", arguments: {} });
  assert.ok((answer.structuredContent as { result: string[] }).result.includes("sft-qwen"));
  // The prompts read skills/ beside the program, not from the working directory.
  const prompt = await client.getPrompt({ name: "compare_runs", arguments: { project: "sft-qwen" } });
  assert.match((prompt.messages[0].content as { text: string }).text, /# Comparing runs/);
  await client.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--print-config with a token names the variable, never the secret", async () => {
  const secret = "s3cret-token-0123456789abcdef";
  const out = await runCli(["mcp", "--print-config", "--json", "--port", "9000"], {
    env: { TRACKIO_CLI_MCP_TOKEN: secret },
  });
  assert.ok(!out.stdout.includes(secret));
  const config: ClientConfig = JSON.parse(out.stdout);
  assert.equal(config.http.url, "http://127.0.0.1:9000/mcp");
  assert.deepStrictEqual(config.http.config.mcpServers.trackio.headers, {
    Authorization: "Bearer ${TRACKIO_CLI_MCP_TOKEN}",
  });
  assert.match(config.http.claude_code, /--header "Authorization: Bearer \$TRACKIO_CLI_MCP_TOKEN"/);
});
