/**
 * `deno task bench:mcp` (also the end of `deno task bench`): the MCP server over stdio, driven by
 * the SDK's client as Claude Desktop or Claude Code would. Measures the time from process start to
 * the first answered tools/list, and the latency of 1,000 sequential tool calls on the bundled demo
 * project (the calls an agent makes when it checks on a run).
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CALLS = Number(Deno.env.get("BENCH_CALLS") ?? 1000);
const STARTS = Number(Deno.env.get("BENCH_STARTS") ?? 10);

const run = { project: "sft-qwen", run: "baseline-v1" };
const MIX: [string, Record<string, unknown>][] = [
  ["get_run_summary", run],
  ["get_metric_values", { ...run, metric: "train/loss" }],
  ["get_metrics_for_run", run],
  ["get_metric_values", { ...run, metric: "eval/loss" }],
  ["get_runs_for_project", { project: "sft-qwen" }],
];

function transport(): StdioClientTransport {
  return new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", MAIN, "mcp", "--demo"],
    stderr: "pipe",
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function startup(): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const client = new Client({ name: "bench", version: "1" });
    const start = performance.now();
    await client.connect(transport());
    await client.listTools();
    samples.push(performance.now() - start);
    await client.close();
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

async function latencies(): Promise<Map<string, number[]>> {
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(transport());
  const byTool = new Map<string, number[]>([["all", []]]);
  for (let i = 0; i < CALLS; i++) {
    const [name, args] = MIX[i % MIX.length];
    const start = performance.now();
    const answer = await client.callTool({ name, arguments: args });
    const elapsed = performance.now() - start;
    if (answer.isError) throw new Error(`${name} failed: ${JSON.stringify(answer.content)}`);
    byTool.get("all")!.push(elapsed);
    byTool.set(name, [...(byTool.get(name) ?? []), elapsed]);
  }
  await client.close();
  return byTool;
}

export async function benchMcp(): Promise<void> {
  console.log(`\nMCP over stdio (demo project), start-up median of ${STARTS}, ${CALLS} sequential calls\n`);
  console.log(`process start to first tools/list answer: ${ms(await startup())}\n`);
  console.log("| calls | n | p50 | p95 | max |");
  console.log("|---|---|---|---|---|");
  for (const [name, samples] of await latencies()) {
    const sorted = samples.sort((a, b) => a - b);
    console.log(
      `| ${name} | ${sorted.length} | ${ms(percentile(sorted, 0.5))} | ${ms(percentile(sorted, 0.95))} | ${
        ms(sorted.at(-1)!)
      } |`,
    );
  }
}

if (import.meta.main) await benchMcp();
