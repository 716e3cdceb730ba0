/**
 * `deno task bench`: times trackio-cli on a 1,000,000-step run in Trackio's format, next to the
 * sqlite3 shell doing the same JSON extraction on the same file. Wall time is the median of
 * several runs of the whole process (start-up included); peak memory is the process's maximum
 * resident set size as GNU time reports it. Needs the `sqlite3` and `time` packages (apt).
 */
import { join } from "node:path";
import { benchMcp } from "./mcp.ts";
import { benchRemote } from "./remote.ts";
import { benchCache } from "./cache.ts";
import { benchCacheMemory } from "./cache_memory.ts";
import { benchWatch } from "./watch.ts";
import { BIG_DB, BIG_RUN_ID, ensureBigRun } from "./make_big_run.ts";
import { ensureSweep } from "./make_sweep.ts";
import { DATA_DIR } from "./trackio_file.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 3);
const MAIN = new URL("../main.ts", import.meta.url).pathname;

interface Measure {
  seconds: number;
  peakMb: number;
  bytes: number;
}

async function measure(argv: string[]): Promise<Measure> {
  const samples: Measure[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = await new Deno.Command("/usr/bin/time", {
      args: ["-f", "%e %M", ...argv],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr).trim().split("\n");
    if (out.code !== 0) throw new Error(`${argv.join(" ")} failed: ${err.join(" ")}`);
    const [seconds, kb] = err.at(-1)!.split(" ").map(Number);
    samples.push({ seconds, peakMb: kb / 1024, bytes: out.stdout.length });
  }
  samples.sort((a, b) => a.seconds - b.seconds);
  return samples[Math.floor(samples.length / 2)];
}

const cli = (...args: string[]) => [Deno.execPath(), "run", "-A", MAIN, ...args, "--dir", DATA_DIR];
const where = `run_id = '${BIG_RUN_ID}'`;
const lossPath = `'$."train/loss"'`;
const shellValues =
  `SELECT timestamp, step, json_extract(CAST(metrics AS TEXT), ${lossPath}) AS value FROM metrics
  WHERE ${where} AND json_type(CAST(metrics AS TEXT), ${lossPath}) IS NOT NULL ORDER BY timestamp, id`;
/** What compare extracts, done by the shell: every run's eval loss (the ranking's input, no analysis). */
const shellSweep =
  `SELECT run_id, step, json_extract(CAST(metrics AS TEXT), '$."eval/loss"') AS v FROM metrics
  WHERE json_type(CAST(metrics AS TEXT), '$."eval/loss"') IS NOT NULL ORDER BY run_id, timestamp, id`;
const shellSummary = `SELECT COUNT(*), MAX(step) FROM metrics WHERE ${where};
  SELECT DISTINCT j.key FROM metrics, json_each(CAST(metrics AS TEXT)) AS j WHERE ${where} ORDER BY 1;
  SELECT CAST(config AS TEXT) FROM configs WHERE ${where};`;

const cases: [string, string[], string[]][] = [
  [
    "get-metric-values, full history (--json)",
    cli("values", "-p", "big", "-r", "big-run", "-m", "train/loss", "--json"),
    ["sqlite3", "-json", BIG_DB, shellValues],
  ],
  [
    "get-metric-values --max-points 2000 (--json)",
    cli("values", "-p", "big", "-r", "big-run", "-m", "train/loss", "--max-points", "2000", "--json"),
    ["sqlite3", "-json", BIG_DB, shellValues],
  ],
  [
    "analyze (--json; target under 2 s)",
    cli("analyze", "-p", "big", "-r", "big-run", "--json"),
    ["sqlite3", "-json", BIG_DB, shellValues],
  ],
  [
    "compare, 100 runs x 10,000 steps logged every 10 (--json; target under 1 s)",
    cli("compare", "-p", "sweep-every-10", "--json"),
    ["sqlite3", "-json", join(DATA_DIR, "sweep-every-10.db"), shellSweep],
  ],
  [
    "compare, 100 runs x 10,000 steps logged every step (--json)",
    cli("compare", "-p", "sweep-every-step", "--json"),
    ["sqlite3", "-json", join(DATA_DIR, "sweep-every-step.db"), shellSweep],
  ],
  [
    "get-run-summary (--json)",
    cli("run-summary", "-p", "big", "-r", "big-run", "--json"),
    ["sqlite3", "-json", BIG_DB, shellSummary],
  ],
];

if (import.meta.main) {
  ensureBigRun();
  ensureSweep(10);
  ensureSweep(1);
  console.log(
    `1,000,000-step run (${(Deno.statSync(BIG_DB).size / 1e6).toFixed(0)} MB), median of ${RUNS} runs\n`,
  );
  console.log("| case | trackio-cli | peak RSS | sqlite3 shell | ratio |");
  console.log("|---|---|---|---|---|");
  for (const [label, ours, shell] of cases) {
    const a = await measure(ours);
    const b = await measure(shell);
    console.log(
      `| ${label} | ${a.seconds.toFixed(2)} s | ${a.peakMb.toFixed(0)} MB | ${b.seconds.toFixed(2)} s | ` +
        `${(a.seconds / b.seconds).toFixed(2)}x |`,
    );
  }
  await benchRemote();
  await benchCache();
  await benchCacheMemory();
  await benchWatch();
  await benchMcp();
}
