/**
 * `deno task bench:cache-memory` (also part of `deno task bench`): the MCP server's memory while it
 * serves many large runs. Six projects are the 1,000,000-step file under other names (hard links, no
 * copy); one MCP session over stdio asks each for `analyze_run` and a downsampled `get_metric_values`,
 * in turn, twice round, with the run cache at its default budget, at a small one, and off
 * (`--cache-mb 0`: the baseline, what the server holds without a cache). Reports the server's resident
 * memory at the end and at its peak (VmHWM), against the baseline plus the budget.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { join } from "node:path";
import { ensureBigRun } from "./make_big_run.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const PROJECTS = 6;
const BUDGETS = [0, 128, 512];

/** Resident and peak resident memory of a process, in MB. */
function memoryOf(pid: number | null): { rss: number; peak: number } {
  const status = pid ? Deno.readTextFileSync(`/proc/${pid}/status`) : "";
  const mb = (field: string) => Number(status.match(new RegExp(`${field}:\\s+(\\d+)`))?.[1] ?? NaN) / 1024;
  return { rss: mb("VmRSS"), peak: mb("VmHWM") };
}

async function session(dir: string, cacheMb: number): Promise<{ rss: number; peak: number }> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", MAIN, "mcp", "--dir", dir, "--cache-mb", String(cacheMb)],
    stderr: "pipe",
  });
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(transport);
  try {
    for (let round = 0; round < 2; round++) {
      for (let p = 0; p < PROJECTS; p++) {
        const run = { project: `big${p}`, run: "big-run" };
        for (
          const [name, args] of [
            ["analyze_run", run],
            ["get_metric_values", { ...run, metric: "train/loss", max_points: 200 }],
          ] as const
        ) {
          const answer = await client.callTool({ name, arguments: args });
          if (answer.isError) throw new Error(`${name}: ${JSON.stringify(answer.content)}`);
        }
      }
    }
    return memoryOf(transport.pid);
  } finally {
    await client.close();
  }
}

export async function benchCacheMemory(): Promise<void> {
  const dir = Deno.makeTempDirSync();
  try {
    const big = ensureBigRun();
    for (let p = 0; p < PROJECTS; p++) Deno.linkSync(big, join(dir, `big${p}.db`));
    console.log(
      `\nThe MCP server's memory serving ${PROJECTS} runs of 1,000,000 steps (analyze_run and ` +
        "get_metric_values of each, twice round)\n",
    );
    console.log("| --cache-mb | resident at the end | peak resident | peak over the baseline's |");
    console.log("|---|---|---|---|");
    let baseline = NaN;
    for (const budget of BUDGETS) {
      const { rss, peak } = await session(dir, budget);
      if (budget === 0) baseline = peak;
      const over = budget === 0 ? "(baseline)" : `${(peak - baseline).toFixed(0)} MB (budget ${budget} MB)`;
      console.log(`| ${budget} | ${rss.toFixed(0)} MB | ${peak.toFixed(0)} MB | ${over} |`);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

if (import.meta.main) await benchCacheMemory();
