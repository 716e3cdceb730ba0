/**
 * The MCP server's contract beyond the fixtures: listings, aliases, prompts and completion, errors
 * that leave the server serving, the size budget, and stdio's handling of broken clients.
 */
import assert from "node:assert/strict";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import type { CallToolResult, Prompt, Tool } from "@modelcontextprotocol/sdk/types.js";
import { join } from "node:path";
import { TOOLS } from "../src/tools/index.ts";
import { MAIN, runCli } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { stdioSession } from "./helpers/mcp.ts";
import { lossRows, TrackioDb } from "./helpers/trackio_db.ts";

const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;

Deno.test("tools/list: every registry tool with schemas, titles and read-only annotations", async () => {
  const dir = fixtureDir("head");
  const { client, close } = await stdioSession(["--dir", dir]);
  try {
    const { tools } = await client.listTools();
    assert.equal(tools.length, TOOLS.length);
    for (const tool of tools as Tool[]) {
      assert.ok(tool.title && tool.description.length > 40, tool.name);
      assert.equal(tool.inputSchema.type, "object");
      assert.equal(tool.outputSchema?.type, "object");
      assert.ok((tool.outputSchema?.properties as Record<string, unknown>).result, tool.name);
      assert.equal(tool.annotations?.readOnlyHint, true);
      assert.equal(tool.annotations?.openWorldHint, false);
      assert.ok(!JSON.stringify(tool.inputSchema).includes("9007199254740991"), "no safe-integer noise");
    }
    const values = (tools as Tool[]).find((t) => t.name === "get_metric_values")!;
    const props = values.inputSchema.properties as Record<string, { default?: unknown; description: string }>;
    assert.ok(props.metric && props.metric_name && props.project && props.run && props.run_id);
    assert.equal(props.max_points.default, 200);
    assert.deepStrictEqual(values.inputSchema.required, ["project"]);
    // A default is stated once, in the schema, and it is the one MCP applies: no tool's text, nor its
    // arguments', names a default only the CLI applies.
    for (const def of TOOLS) {
      const listed = (tools as Tool[]).find((t) => t.name === def.name)!;
      for (const [arg, cliDefault] of Object.entries(def.cli?.defaults ?? {})) {
        const number = String(cliDefault).match(/^\d+/)?.[0];
        if (!number || String(def.mcp?.defaults?.[arg]) === number) continue;
        const said = JSON.stringify([listed.description, listed.inputSchema.properties]);
        assert.ok(!new RegExp(`\\b${number}\\b`).test(said), `${def.name} names the CLI's ${arg} ${number}`);
        assert.equal(
          (listed.inputSchema.properties as Record<string, { default?: unknown }>)[arg].default,
          def.mcp?.defaults?.[arg],
        );
      }
    }
  } finally {
    await close();
  }
});

Deno.test("the guide's and Trackio's argument spellings give the same answer", async () => {
  const dir = fixtureDir("head");
  const { client, close } = await stdioSession(["--dir", dir]);
  try {
    const call = (args: Record<string, unknown>) =>
      client.callTool({ name: "get_metric_values", arguments: { project: "sft-qwen", ...args } });
    const guide = await call({ run: "baseline-v1", metric: "train/loss" });
    const trackio = await call({ run: "baseline-v1", metric_name: "train/loss" });
    assert.ok(!guide.isError, JSON.stringify(guide.content));
    assert.deepStrictEqual(guide.structuredContent, trackio.structuredContent);
    const around = await call({ run: "baseline-v1", metric: "train/loss", around_step: 50, window: 5 });
    const steps = (around.structuredContent as { result: { step: number }[] }).result.map((p) => p.step);
    assert.ok(steps.length > 0 && steps.every((s) => s >= 45 && s <= 55), String(steps));
  } finally {
    await close();
  }
});

Deno.test("a curve without timestamps: omit_timestamps over MCP and --omit-timestamps on the CLI", async () => {
  const dir = fixtureDir("head");
  const args = { project: "sft-qwen", run: "baseline-v1", metric: "train/loss" };
  const { client, close } = await stdioSession(["--dir", dir]);
  try {
    const timed = await client.callTool({ name: "get_metric_values", arguments: args });
    const bare = await client.callTool({
      name: "get_metric_values",
      arguments: { ...args, omit_timestamps: true },
    });
    const points = (r: CallToolResult) =>
      (r.structuredContent as { result: Record<string, unknown>[] }).result;
    assert.ok(points(bare).length > 100);
    assert.deepStrictEqual(points(bare), points(timed).map(({ step, value }) => ({ step, value })));
    assert.doesNotMatch(text(bare), /timestamp/);
    assert.ok(text(bare).length < text(timed).length * 0.6, `${text(bare).length} vs ${text(timed).length}`);
  } finally {
    await close();
  }
  const cli = await runCli(
    ["values", "--dir", dir, "-p", "sft-qwen", "-r", "baseline-v1", "-m", "train/loss", "--step", "50"]
      .concat("--omit-timestamps", "--json"),
  );
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepStrictEqual(JSON.parse(cli.stdout), [{ step: 50, value: 2.2104241688022075 }]);
  // The streaming forms drop it too: NDJSON as it reads, and --follow's header and records.
  const base = ["values", "--dir", dir, "-p", "sft-qwen", "-r", "baseline-v1", "-m", "train/loss"];
  const streamed = await runCli([...base, "--format", "ndjson", "--omit-timestamps"]);
  assert.equal(streamed.code, 0, streamed.stderr);
  const lines = streamed.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(lines.length > 100);
  assert.ok(lines.every((l) => Object.keys(l).join() === "step,value"), streamed.stdout.slice(0, 200));
  const followed = await runCli([
    ...base,
    "--follow",
    "--idle",
    "0.1",
    "--format",
    "csv",
    "--omit-timestamps",
  ]);
  assert.equal(followed.code, 0, followed.stderr);
  const records = followed.stdout.trim().split("\r\n");
  assert.equal(records[0], "step,value");
  assert.equal(records.length, lines.length + 1);
});

Deno.test("tool errors are isError results with a hint, and the server keeps serving", async () => {
  const dir = fixtureDir("head");
  const { client, close } = await stdioSession(["--dir", dir]);
  try {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { project: "sft-qwn", run: "baseline-v1", metric: "train/loss" },
        /^error \(not_found\): project 'sft-qwn' not found.*Did you mean 'sft-qwen'\?/,
      ],
      [
        { project: "sft-qwen", run: "baseline-v2", metric: "train/loss" },
        /^error \(not_found\): run 'baseline-v2'.*baseline-v1/,
      ],
      [{ project: "sft-qwen", run: "baseline-v1", metric: "train/los" }, /not found.*'train\/loss'/],
      [{ project: "sft-qwen", run: "baseline-v1" }, /^error \(usage\): missing metric/],
      [
        { project: "sft-qwen", metric: "train/loss" },
        /^error \(usage\): missing run.*\nhint: its newest run is 'lr-low'/,
      ],
      [{ project: "sft-qwen", run: "baseline-v1", metric: "train/loss", max_points: "many" }, /max_points/],
      [{ project: "sft-qwen", run: "baseline-v1", metric: "train/loss", colour: "red" }, /unknown argument/],
      [
        { project: "sft-qwen", run: "baseline-v1", metric: "train/loss", step: 1, at_time: "x" },
        /at most one/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const answer = await client.callTool({ name: "get_metric_values", arguments: args }) as CallToolResult;
      assert.equal(answer.isError, true, JSON.stringify(args));
      assert.match(text(answer), pattern);
      assert.equal(answer.structuredContent, undefined);
    }
    const write = await client.callTool({
      name: "query",
      arguments: { project: "sft-qwen", sql: "DELETE FROM metrics" },
    });
    assert.match(text(write as CallToolResult), /^error \(refused\)/);
    await assert.rejects(
      () => client.callTool({ name: "get_metric_value", arguments: {} }),
      (e: unknown) => {
        const { code, message } = e as { code: number; message: string };
        return e instanceof McpError && code === -32602 && /get_metric_values/.test(message);
      },
    );
    const { tools } = await client.listTools();
    assert.equal(tools.length, TOOLS.length, "still serving");
  } finally {
    await close();
  }
});

Deno.test("prompts come from skills/ and completion offers project and run names", async () => {
  const dir = fixtureDir("head");
  const { client, close } = await stdioSession(["--dir", dir]);
  try {
    const { prompts } = await client.listPrompts();
    assert.deepStrictEqual(prompts.map((p: Prompt) => p.name), ["check_training_run", "compare_runs"]);
    const check = await client.getPrompt({
      name: "check_training_run",
      arguments: { project: "sft-qwen", run: "lr-high" },
    });
    const body = (check.messages[0].content as { text: string }).text;
    const skill = Deno.readTextFileSync(new URL("../skills/trackio-monitoring/SKILL.md", import.meta.url));
    assert.match(body, /^Check on run "lr-high" of the Trackio project "sft-qwen"\./);
    assert.ok(body.includes(skill.split("---\n")[2].trim()), "the skill's text, without its front matter");
    const compare = await client.getPrompt({
      name: "compare_runs",
      arguments: { project: "hyperparam-sweep" },
    });
    assert.match(
      (compare.messages[0].content as { text: string }).text,
      /hyperparam-sweep.*\n\n# Comparing runs/,
    );
    await assert.rejects(
      () => client.getPrompt({ name: "compare_runs", arguments: {} }),
      /missing argument project/,
    );
    await assert.rejects(() => client.getPrompt({ name: "nope" }), /unknown prompt/);
    // The arguments are checked against the data: a typo is the tools' not-found error, before any work.
    await assert.rejects(
      () => client.getPrompt({ name: "compare_runs", arguments: { project: "sft-qwn" } }),
      /-32602.*project 'sft-qwn' not found.*Did you mean 'sft-qwen'\?/,
    );
    await assert.rejects(
      () =>
        client.getPrompt({ name: "check_training_run", arguments: { project: "sft-qwen", run: "lr-hgh" } }),
      /run 'lr-hgh' not found.*Did you mean 'lr-high'\?/,
    );

    const ref = { type: "ref/prompt" as const, name: "check_training_run" };
    const projects = await client.complete({ ref, argument: { name: "project", value: "sft" } });
    assert.deepStrictEqual(projects.completion.values, ["sft-qwen"]);
    const runs = await client.complete({
      ref,
      argument: { name: "run", value: "lr-" },
      context: { arguments: { project: "sft-qwen" } },
    });
    assert.deepStrictEqual(runs.completion.values.sort(), ["lr-high", "lr-low"]);
  } finally {
    await close();
  }
});

/** A project with one long run, to see the size defaults and budget at work. */
function longRunDir(steps: number): string {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-long-" });
  const db = new TrackioDb(join(dir, "long.db"), "head");
  db.log("r", lossRows(steps));
  db.close();
  return dir;
}

Deno.test("a long run's curve comes downsampled by default, and oversized results are refused with a way out", async () => {
  const dir = longRunDir(20_000);
  const { client, close } = await stdioSession(["--dir", dir]);
  try {
    const curve = await client.callTool({
      name: "get_metric_values",
      arguments: { project: "long", run: "r", metric: "loss" },
    });
    const { result, notices } = curve.structuredContent as { result: { step: number }[]; notices: string[] };
    assert.ok(result.length <= 200 && result.length > 100, `${result.length} points`);
    assert.equal(result.at(-1)!.step, 19_999, "the last point is kept");
    assert.match(notices[0], /^downsampled 20000 points to \d+/);
    assert.match(text(curve as CallToolResult), /^note: downsampled 20000 points/);
    const nulled = await client.callTool({
      name: "get_metric_values",
      arguments: { project: "long", run: "r", metric: "loss", max_points: null },
    });
    assert.deepStrictEqual(nulled.structuredContent, curve.structuredContent, "null means not given");

    const all = await client.callTool({
      name: "get_metric_values",
      arguments: { project: "long", run: "r", metric: "loss", max_points: 100_000 },
    }) as CallToolResult;
    assert.equal(all.isError, true);
    assert.match(text(all), /result too large for an agent's context .*\nhint: pass a smaller max_points/);

    const logs = await client.callTool({ name: "get_logs", arguments: { project: "long", run: "r" } });
    assert.ok((logs.structuredContent as { result: unknown[] }).result.length <= 100);
  } finally {
    await close();
    Deno.removeSync(dir, { recursive: true });
  }
});

/** The server as a bare subprocess, to speak broken JSON-RPC to it. */
function rawServer(dir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "mcp", "--dir", dir],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  const send = (line: string) => writer.write(new TextEncoder().encode(`${line}\n`));
  return { child, writer, send };
}

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

Deno.test("stdio: malformed lines get JSON-RPC errors, the session goes on, EOF ends the server cleanly", async () => {
  const dir = fixtureDir("head");
  const { child, writer, send } = rawServer(dir);
  await send("this is not json");
  await send(JSON.stringify({ hello: "world", id: 7 }));
  await send(INIT);
  await send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  await send(
    JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get_all_projects" } }),
  );
  await send(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "no/such/method" }));
  await writer.close();
  const out = await child.output();
  const replies = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
  const byId = (id: unknown) => replies.filter((r) => r.id === id);
  assert.equal(byId(null)[0].error.code, -32700);
  assert.equal(byId(7)[0].error.code, -32600);
  assert.equal(byId(1)[0].result.serverInfo.name, "trackio-cli");
  assert.ok(byId(2)[0].result.structuredContent.result.includes("sft-qwen"));
  assert.equal(byId(3)[0].error.code, -32601);
  assert.equal(out.code, 0);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("stdio: a client that disconnects mid-call does not crash the server", async () => {
  const dir = longRunDir(200_000);
  const { child, writer, send } = rawServer(dir);
  await send(INIT);
  await send(JSON.stringify({
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: { name: "get_metric_values", arguments: { project: "long", run: "r", metric: "loss" } },
  }));
  await child.stdout.cancel();
  await writer.close();
  const status = await child.status;
  const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  assert.equal(status.code, 0, stderr);
  assert.doesNotMatch(stderr, /\n\s+at |panic|Uncaught/);
  Deno.removeSync(dir, { recursive: true });
});
