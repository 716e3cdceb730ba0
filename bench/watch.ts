/**
 * `deno task bench:watch` (also part of `deno task bench`): what `watch` costs on a 100-run project
 * (the 100 × 10,000-step sweep logged every 10 steps, its max_steps taken out so that no run is
 * finished and every one is followed). The first pass reads every run; then idle passes, where no
 * run logged anything: wall time and CPU time per pass, and resident memory, next to the reference
 * a watch without the run cache would pay every pass (a fresh analysis of every run).
 */
import { cpuUsage, memoryUsage } from "node:process";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { LocalSource } from "../src/store/local_source.ts";
import { analyzeRunTool } from "../src/tools/analyze_run.ts";
import { invokeTool } from "../src/tools/invoke.ts";
import { ProjectWatcher } from "../src/watch/watcher.ts";
import { ensureSweep } from "./make_sweep.ts";
import { DATA_DIR } from "./trackio_file.ts";

const IDLE_PASSES = 20;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Wall and CPU milliseconds of one call. */
async function timed(work: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  await work();
  const cpu = cpuUsage(cpu0);
  return { wall: performance.now() - t0, cpu: (cpu.user + cpu.system) / 1000 };
}

export async function benchWatch(): Promise<void> {
  const project = ensureSweep(10);
  const dir = Deno.makeTempDirSync();
  const path = join(dir, `${project}.db`);
  Deno.copyFileSync(join(DATA_DIR, `${project}.db`), path);
  const db = new DatabaseSync(path);
  db.exec("DELETE FROM configs");
  db.close();
  try {
    const source = new LocalSource({ path: dir, source: "--dir" });
    const watcher = new ProjectWatcher({ source }, project);
    const first = await timed(() => watcher.poll());
    if (watcher.following !== 100) throw new Error(`following ${watcher.following} runs, not 100`);
    const idle = [];
    for (let i = 0; i < IDLE_PASSES; i++) idle.push(await timed(() => watcher.poll()));
    const rss = memoryUsage().rss / 2 ** 20;
    const fresh = [];
    for (let i = 0; i < 3; i++) {
      fresh.push(await timed(() => invokeTool(analyzeRunTool, { project, all: true }, { source })));
    }
    console.log(
      `\nwatch: one pass over ${watcher.following} idle runs (10,000 steps each, every 10 logged)\n`,
    );
    console.log("| pass | wall | CPU |");
    console.log("|---|---|---|");
    console.log(`| first (reads every run) | ${Math.round(first.wall)} ms | ${Math.round(first.cpu)} ms |`);
    console.log(
      `| idle, median of ${IDLE_PASSES} | ${median(idle.map((x) => x.wall)).toFixed(1)} ms | ${
        median(idle.map((x) => x.cpu)).toFixed(1)
      } ms |`,
    );
    console.log(
      `| reference: every run analyzed afresh (analyze --all), median of 3 | ${
        Math.round(median(fresh.map((x) => x.wall)))
      } ms | ${Math.round(median(fresh.map((x) => x.cpu)))} ms |`,
    );
    console.log(`\nresident memory after the idle passes: ${rss.toFixed(0)} MB`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

if (import.meta.main) await benchWatch();
