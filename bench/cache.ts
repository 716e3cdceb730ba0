/**
 * `deno task bench:cache` (also part of `deno task bench`): repeat questions in one MCP session over
 * stdio, on a copy of the 1,000,000-step run, read locally (--dir) and through the Trackio HTTP API
 * double on loopback (--space). For each tool: the first call, a repeat on the unchanged run, and a
 * repeat after a Trackio-format writer appended 1,000 rows; with the cache on and off (--cache-mb 0,
 * today's behaviour) side by side, each setting twice (on, off, off, on: the mean of the two), the bytes
 * the server sent for each call, and the server's memory.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { BIG_RUN_ID, ensureBigRun } from "./make_big_run.ts";
import { trackioTime } from "./trackio_file.ts";
import { startTrackioServer, type TrackioServer } from "../tests/helpers/trackio_server.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const RUN = { project: "big", run: "big-run" };
const CALLS: [string, Record<string, unknown>][] = [
  ["analyze_run", RUN],
  ["get_run_summary", RUN],
  // 200 points, the MCP default: 2,000 (about 40,000 tokens even without timestamps) are over the
  // server's result budget for an agent (16,000 tokens). Every point is read either way.
  ["get_metric_values", { ...RUN, metric: "train/loss", max_points: 200 }],
];

/** Appends rows as Trackio's writer does: JSON BLOBs, a shared timestamp per flush, new ids. */
function append(path: string, from: number, count: number): void {
  const db = new DatabaseSync(path);
  const insert = db.prepare(
    "INSERT INTO metrics (run_id, timestamp, run_name, step, metrics, log_id) VALUES (?, ?, 'big-run', ?, ?, ?)",
  );
  const encoder = new TextEncoder();
  db.exec("BEGIN");
  for (let step = from; step < from + count; step++) {
    const stamp = trackioTime(Date.UTC(2026, 7, 7) + Math.floor(step / 8) * 4000);
    const metrics = {
      "train/loss": 0.55,
      "train/grad_norm": 1.1,
      "train/learning_rate": 1e-7,
      "train/epoch": 4,
    };
    insert.run(BIG_RUN_ID, stamp, step, encoder.encode(JSON.stringify(metrics)), `more-${step}`);
  }
  db.exec("COMMIT");
  db.close();
}

function rssMb(pid: number | null): number {
  if (!pid) return NaN;
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

interface Row {
  tool: string;
  first: number;
  repeat: number;
  grown: number;
  bytes?: [number, number, number];
}

async function session(
  dir: string,
  cacheMb: number,
  server?: TrackioServer,
  warmUp = false,
): Promise<{ rows: Row[]; rss: number }> {
  const where = server ? ["--space", server.url] : ["--dir", dir];
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", MAIN, "mcp", ...where, "--cache-mb", String(cacheMb)],
    stderr: "pipe",
  });
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(transport);
  const time = async (name: string, args: Record<string, unknown>): Promise<[number, number]> => {
    const sent = server?.stats.bytesOut ?? 0;
    const start = performance.now();
    const answer = await client.callTool({ name, arguments: args });
    const elapsed = performance.now() - start;
    if (answer.isError) throw new Error(`${name}: ${JSON.stringify(answer.content)}`);
    return [elapsed, (server?.stats.bytesOut ?? 0) - sent];
  };
  const rows: Row[] = [];
  if (warmUp) {
    await time(...CALLS[0]);
    await client.close();
    return { rows, rss: NaN };
  }
  for (const [name, args] of CALLS) {
    const [first, b1] = await time(name, args);
    const [repeat, b2] = await time(name, args);
    rows.push({ tool: name, first, repeat, grown: NaN, bytes: [b1, b2, 0] });
  }
  append(join(dir, "big.db"), 1_000_001, 1000);
  for (const row of rows) {
    const [name, args] = CALLS.find(([n]) => n === row.tool)!;
    const [grown, b3] = await time(name, args);
    row.grown = grown;
    row.bytes![2] = b3;
  }
  const rss = rssMb(transport.pid);
  await client.close();
  return { rows, rss };
}

/** Two sessions of one setting as one: the mean of each time, the first's bytes, the larger memory. */
function meanOf(runs: { rows: Row[]; rss: number }[]): { rows: Row[]; rss: number } {
  const mean = (pick: (row: Row) => number, i: number) =>
    runs.reduce((sum, r) => sum + pick(r.rows[i]), 0) / runs.length;
  return {
    rows: runs[0].rows.map((row, i) => ({
      ...row,
      first: mean((r) => r.first, i),
      repeat: mean((r) => r.repeat, i),
      grown: mean((r) => r.grown, i),
    })),
    rss: Math.max(...runs.map((r) => r.rss)),
  };
}

const ms = (x: number) => (x < 10 ? `${x.toFixed(1)} ms` : `${Math.round(x)} ms`);
const kb = (b: number) => (b < 1024 ? `${b} B` : `${(b / 1024).toFixed(1)} KB`);

export async function benchCache(): Promise<void> {
  const dir = Deno.makeTempDirSync();
  const server = startTrackioServer({ dir });
  try {
    for (const remote of [false, true]) {
      console.log(
        `\nRepeat questions in one MCP session, 1,000,000-step run, ${
          remote ? "remote (--space, loopback)" : "local (--dir)"
        }`,
      );
      console.log("cache on / off (--cache-mb 0); the last call after 1,000 rows were appended\n");
      console.log(
        "| call | first | repeat | after +1,000 rows |" + (remote ? " sent: first / repeat / after |" : ""),
      );
      console.log("|---|---|---|---|" + (remote ? "---|" : ""));
      // Whichever session comes first pays for a cold start (the file's pages, the server's first
      // queries): one unmeasured call first, so that the compared sessions start alike. Then each
      // setting twice, on, off, off, on, and the mean of its two: what the order does cancels out.
      Deno.copyFileSync(ensureBigRun(), join(dir, "big.db"));
      await session(dir, 0, remote ? server : undefined, true);
      const sessions = new Map<number, Awaited<ReturnType<typeof session>>[]>([[512, []], [0, []]]);
      for (const cacheMb of [512, 0, 0, 512]) {
        Deno.copyFileSync(ensureBigRun(), join(dir, "big.db"));
        sessions.get(cacheMb)!.push(await session(dir, cacheMb, remote ? server : undefined));
      }
      const [on, off] = [512, 0].map((cacheMb) => meanOf(sessions.get(cacheMb)!));
      for (let i = 0; i < on.rows.length; i++) {
        const a = on.rows[i], b = off.rows[i];
        const sent = remote
          ? ` ${a.bytes!.map(kb).join(" / ")} (off: ${b.bytes!.map(kb).join(" / ")}) |`
          : "";
        console.log(
          `| ${a.tool} | ${ms(a.first)} / ${ms(b.first)} | ${ms(a.repeat)} / ${ms(b.repeat)} | ${
            ms(a.grown)
          } / ${ms(b.grown)} |${sent}`,
        );
      }
      console.log(
        `\nserver resident memory at the end: ${on.rss.toFixed(0)} MB cached, ${
          off.rss.toFixed(0)
        } MB uncached`,
      );
    }
  } finally {
    await server.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

if (import.meta.main) await benchCache();
