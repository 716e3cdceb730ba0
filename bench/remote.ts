/**
 * `deno task bench:remote` (also part of `deno task bench`): the same commands on the 1,000,000-step
 * run read locally (--dir) and through a Trackio server (--space): the HTTP API double of
 * tests/helpers/trackio_server.ts serving the same files on loopback, compressing as Trackio does
 * what the client accepts. Reports wall time of each process (median of BENCH_RUNS), the bytes the
 * server sent, how many answers it gzipped and the time it spent answering (SQL, JSON) and
 * compressing. On loopback the client asks for plain answers (src/store/remote/coding.ts); the
 * `analyze` case is run again with `TRACKIO_CLI_COMPRESSION=gzip`, as a server across a network
 * answers it. Then, beside the local `analyze`, the least server work an exact remote `analyze` with
 * gzip needs (remote_floor.ts).
 */
import { ensureBigRun } from "./make_big_run.ts";
import { DATA_DIR } from "./trackio_file.ts";
import { startTrackioServer } from "../tests/helpers/trackio_server.ts";
import { extractedFloor, type Floor, storedFloor } from "./remote_floor.ts";

const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? 3);
const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function seconds(argv: string[], env: Record<string, string> = {}): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const out = await new Deno.Command(Deno.execPath(), { args: argv, env, stdout: "null", stderr: "piped" })
      .output();
    if (out.code !== 0) throw new Error(`${argv.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
    samples.push((performance.now() - started) / 1000);
  }
  return median(samples, (s) => s);
}

const GZIP = { TRACKIO_CLI_COMPRESSION: "gzip" };

const CASES: [string, string[], Record<string, string>?][] = [
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
  ["analyze --json, gzip", ["analyze", "-p", "big", "-r", "big-run", "--json"], GZIP],
  ["values --json (full history)", ["values", "-p", "big", "-r", "big-run", "-m", "train/loss", "--json"]],
  ["run-summary --json", ["run-summary", "-p", "big", "-r", "big-run", "--json"]],
];

function median<T>(samples: T[], by: (sample: T) => number): T {
  return [...samples].sort((a, b) => by(a) - by(b))[Math.floor(samples.length / 2)];
}

const kb = (bytes: number) =>
  bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} KB` : `${(bytes / 1e6).toFixed(1)} MB`;

export async function benchRemote(): Promise<void> {
  ensureBigRun();
  const server = startTrackioServer({ dir: DATA_DIR });
  try {
    console.log(`\nThe same run through a Trackio server on loopback (--space), median of ${RUNS}\n`);
    console.log(
      "| case | local (--dir) | remote (--space) | ratio | sent by the server per call | answers gzipped | server per call: answering + gzip |",
    );
    console.log("|---|---|---|---|---|---|---|");
    let localAnalyze = NaN;
    for (const [label, args, env] of CASES) {
      const local = await seconds(["run", "-A", MAIN, ...args, "--dir", DATA_DIR]);
      if (args[0] === "analyze" && !env) localAnalyze = local;
      const { bytesOut, answerMs, compressMs, requests, gzipped } = server.stats;
      const remote = await seconds(["run", "-A", MAIN, ...args, "--space", server.url], env);
      const sent = (server.stats.bytesOut - bytesOut) / RUNS;
      const answering = (server.stats.answerMs - answerMs) / RUNS / 1000;
      const gzip = (server.stats.compressMs - compressMs) / RUNS / 1000;
      const perCall = (n: number) => String(Math.round((n / RUNS) * 10) / 10);
      const answers = `${perCall(server.stats.gzipped - gzipped)} of ${
        perCall(server.stats.requests - requests)
      }`;
      console.log(
        `| ${label} | ${local.toFixed(2)} s | ${remote.toFixed(2)} s | ${(remote / local).toFixed(2)}x | ${
          kb(sent)
        } | ${answers} | ${answering.toFixed(2)} s + ${gzip.toFixed(2)} s |`,
      );
    }
    printFloors(localAnalyze);
  } finally {
    await server.close();
  }
}

function printFloors(localAnalyze: number): void {
  console.log(
    `\nThe least server work of an exact remote analyze with gzip (remote_floor.ts), median of ${RUNS}, beside the local analyze\n`,
  );
  console.log(
    "| rows sent | SQL | JSON | gzip (level 6) | total | x local analyze | brotli (quality 5) instead | bytes: gzip, brotli |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  const forms: [string, () => Floor][] = [
    ["as stored", storedFloor],
    ["extracted: steps and the 4 series read in full", extractedFloor],
  ];
  for (const [label, measure] of forms) {
    const floor = median(Array.from({ length: RUNS }, measure), (f) => f.total);
    console.log(
      `| ${label} | ${floor.sql.toFixed(2)} s | ${floor.json.toFixed(2)} s | ${floor.gzip.toFixed(2)} s | ${
        floor.total.toFixed(2)
      } s | ${(floor.total / localAnalyze).toFixed(2)}x | ${floor.brotli.toFixed(2)} s | ${
        kb(floor.gzipBytes)
      }, ${kb(floor.brotliBytes)} |`,
    );
  }
}

if (import.meta.main) await benchRemote();
