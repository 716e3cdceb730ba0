/**
 * `deno task bench:remote` (also part of `deno task bench`): the same commands on the 1,000,000-step
 * run read locally (--dir) and through a Trackio server (--space): the HTTP API double of
 * tests/helpers/trackio_server.ts serving the same files on loopback, gzip as Trackio sends it.
 * Reports wall time of each process (median of BENCH_RUNS) and the bytes the server sent.
 */
import { ensureBigRun } from "./make_big_run.ts";
import { DATA_DIR } from "./trackio_file.ts";
import { startTrackioServer } from "../tests/helpers/trackio_server.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 3);
const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function seconds(argv: string[]): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const out = await new Deno.Command(Deno.execPath(), { args: argv, stdout: "null", stderr: "piped" })
      .output();
    if (out.code !== 0) throw new Error(`${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
    samples.push((performance.now() - started) / 1000);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

const CASES: [string, string[]][] = [
  ["values --max-points 2000 --json", [
    "values",
    "-p",
    "big",
    "-r",
    "big-run",
    "-m",
    "train/loss",
    "--max-points",
    "2000",
    "--json",
  ]],
  ["analyze --json", ["analyze", "-p", "big", "-r", "big-run", "--json"]],
  ["values --json (full history)", ["values", "-p", "big", "-r", "big-run", "-m", "train/loss", "--json"]],
  ["run-summary --json", ["run-summary", "-p", "big", "-r", "big-run", "--json"]],
];

const kb = (bytes: number) =>
  bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} KB` : `${(bytes / 1e6).toFixed(1)} MB`;

export async function benchRemote(): Promise<void> {
  ensureBigRun();
  const server = startTrackioServer({ dir: DATA_DIR });
  try {
    console.log(`\nThe same run through a Trackio server on loopback (--space), median of ${RUNS}\n`);
    console.log("| case | local (--dir) | remote (--space) | ratio | sent by the server per call |");
    console.log("|---|---|---|---|---|");
    for (const [label, args] of CASES) {
      const local = await seconds(["run", "-A", MAIN, ...args, "--dir", DATA_DIR]);
      const before = server.stats.bytesOut;
      const remote = await seconds(["run", "-A", MAIN, ...args, "--space", server.url]);
      const sent = (server.stats.bytesOut - before) / RUNS;
      console.log(
        `| ${label} | ${local.toFixed(2)} s | ${remote.toFixed(2)} s | ${(remote / local).toFixed(2)}x | ${
          kb(sent)
        } |`,
      );
    }
  } finally {
    await server.close();
  }
}

if (import.meta.main) await benchRemote();
