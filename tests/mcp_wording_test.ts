/**
 * Over MCP, hints name MCP tools and arguments, never CLI commands or flags; an unknown argument gets
 * the tool's real argument it most likely meant; analyze_run without a run offers all.
 */
import assert from "node:assert/strict";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { stdioSession } from "./helpers/mcp.ts";
import { runCli } from "./helpers/cli.ts";

const CASES: [string, Record<string, unknown>, RegExp][] = [
  ["analyze_run", { project: "sft-qwen" }, /missing run: .*\nhint: .*or set all to analyze every run/],
  [
    "get_metric_values",
    { project: "sft-qwen", run: "lr-high", metric: "train/loss", limit: 5 },
    /unknown argument\(s\): limit \(did you mean 'max_points'\?\)/,
  ],
  [
    "analyze_run",
    { project: "sft-qwen", run: "lr-high", metric: "train/loss" },
    /unknown argument\(s\): metric \(did you mean 'train_metric' or 'eval_metric'\?\)/,
  ],
  [
    "explain_rule",
    { rule: "loss.overfit" },
    /Did you mean 'loss\.overfitting'\?\nnext: every rule: call explain_rule \{\}/,
  ],
];

Deno.test("MCP errors speak MCP: tools and arguments, with the argument an agent most likely meant", async () => {
  const dir = fixtureDir("head");
  const mcp = await stdioSession(["--dir", dir]);
  try {
    for (const [name, args, expected] of CASES) {
      const r = await mcp.client.callTool({ name, arguments: args }) as CallToolResult;
      const text = (r.content[0] as { text: string }).text;
      assert.equal(r.isError, true, name);
      assert.match(text, expected, `${name}(${JSON.stringify(args)})`);
      assert.doesNotMatch(text, /trackio-cli|--[a-z]/, `${name}: no CLI spelling over MCP`);
    }
  } finally {
    await mcp.close();
  }
  // The CLI words the same errors as commands and flags.
  const cli = await runCli(["analyze", "-p", "sft-qwen", "--dir", dir]);
  assert.equal(cli.code, 2);
  assert.match(cli.stderr, /or set --all to analyze every run/);
  const explain = await runCli(["explain", "loss.overfit"]);
  assert.match(explain.stderr, /every rule: trackio-cli explain/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("an empty answer says why: the nearest logged steps of the metric, on the CLI and over MCP", async () => {
  const dir = fixtureDir("head");
  const values = ["values", "-p", "sft-qwen", "-r", "overfit-v2", "-m", "eval/loss", "--dir", dir];
  for (const extra of [["--step", "901"], ["--around", "950", "--window", "5", "--json"]]) {
    const out = await runCli([...values, ...extra]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stderr,
      /note: no point of 'eval\/loss' at step 9[05][01].*nearest logged steps are 900 and 1000/,
    );
  }
  const mcp = await stdioSession(["--dir", dir]);
  try {
    const r = await mcp.client.callTool({
      name: "get_metric_values",
      arguments: { project: "sft-qwen", run: "overfit-v2", metric: "eval/loss", step: 901 },
    }) as CallToolResult;
    assert.match(
      (r.content[0] as { text: string }).text,
      /note: no point of 'eval\/loss' at step 901; its nearest/,
    );
  } finally {
    await mcp.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("get_logs returns up to its max_rows: the extremes, then evenly spaced rows", async () => {
  const dir = fixtureDir("head");
  const mcp = await stdioSession(["--dir", dir]);
  try {
    for (const max_rows of [20, 50]) {
      const r = await mcp.client.callTool({
        name: "get_logs",
        arguments: { project: "sft-qwen", run: "baseline-v1", max_rows },
      }) as CallToolResult;
      assert.ok(!r.isError, JSON.stringify(r.content));
      assert.equal((r.structuredContent as { result: unknown[] }).result.length, max_rows);
    }
  } finally {
    await mcp.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
