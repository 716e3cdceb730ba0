/**
 * Terminal charts: known series against golden files (braille with colour off, and the ASCII
 * fallback), NaN and markers shown, and `values --plot` / `analyze --plot` from the CLI.
 * `UPDATE_GOLDEN=1 deno test -A tests/charts_test.ts` rewrites the golden files after a deliberate change.
 */
import assert from "node:assert/strict";
import { type ChartSeries, renderChart } from "../src/charts/terminal.ts";
import { runCli } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";

const GOLDEN = new URL("./golden/", import.meta.url).pathname;

function golden(name: string, actual: string): void {
  const path = `${GOLDEN}${name}`;
  if (Deno.env.get("UPDATE_GOLDEN")) Deno.writeTextFileSync(path, `${actual}\n`);
  assert.equal(`${actual}\n`, Deno.readTextFileSync(path), `${name} differs from its golden file`);
}

const steps = (n: number, every: number) => Array.from({ length: n }, (_, i) => (i + 1) * every);
const train: ChartSeries = {
  label: "train/loss",
  points: steps(300, 10).map((s) => [s, 0.3 + 2 * Math.exp(-s / 600) + (s === 1500 ? 1.2 : 0)]),
};
const evalLoss: ChartSeries = {
  label: "eval/loss",
  points: steps(30, 100).map((
    s,
  ) => [s, s <= 1100 ? 0.45 + 2 * Math.exp(-s / 600) : 0.72 + (s - 1100) / 4000]),
};
const broken: ChartSeries = {
  label: "loss",
  points: steps(40, 5).map((s) => [s, s >= 170 ? NaN : 2 - s / 200]),
};

Deno.test("braille chart of two overlaid curves with a marker matches its golden file", () => {
  const chart = renderChart([train, evalLoss], {
    width: 72,
    height: 10,
    unicode: true,
    color: false,
    markers: [{ step: 1100, label: "best eval/loss" }],
  });
  golden("chart_braille.txt", chart);
  assert.ok(/[\u2801-\u28ff]/.test(chart), "braille dots");
});

Deno.test("ASCII fallback, log scale, and NaN steps shown on their own row", () => {
  golden(
    "chart_ascii_log.txt",
    renderChart([train, evalLoss], { width: 72, height: 10, unicode: false, color: false, logY: true }),
  );
  const nan = renderChart([broken], { width: 60, height: 6, unicode: false, color: false });
  golden("chart_ascii_nan.txt", nan);
  assert.ok([...nan].every((c) => c.charCodeAt(0) < 128), "plain ASCII only");
  assert.match(nan, /\* loss \(7 NaN\/Inf !\)/);
});

Deno.test("colour only when asked: ANSI codes per series", () => {
  const colored = renderChart([train, evalLoss], { width: 60, height: 6, unicode: true, color: true });
  assert.ok(colored.includes("\x1b[36m") && colored.includes("\x1b[33m"), "a colour per series");
  assert.ok(!renderChart([train], { width: 60, height: 6, unicode: true, color: false }).includes("\x1b["));
});

Deno.test("values --plot overlays metrics and runs; analyze --plot marks the findings", async () => {
  const dir = fixtureDir("head");
  const values = await runCli([
    "values",
    "-p",
    "sft-qwen",
    "-r",
    "baseline-v1,lr-high",
    "-m",
    "train/loss",
    "--plot",
    "--width",
    "70",
    "--dir",
    dir,
  ]);
  assert.equal(values.code, 0, values.stderr);
  assert.match(values.stdout, /\* baseline-v1: train\/loss {3}\+ lr-high: train\/loss\n$/);
  const axis = values.stdout.split("\n").find((l) => /^\s+\+-+$/.test(l))!;
  assert.equal(axis.length, 70, "the width asked for");
  const analyze = await runCli(["analyze", "-p", "sft-qwen", "-r", "nan-blowup", "--plot", "--dir", dir]);
  assert.equal(analyze.code, 0, analyze.stderr);
  assert.match(analyze.stdout, /\^ step 600: grad\.explosion: first non-finite value/);
  const piped = await runCli(["analyze", "-p", "sft-qwen", "-r", "nan-blowup", "--dir", dir]);
  assert.ok(!piped.stdout.includes("+---"), "no chart when the output is not a terminal, unless --plot");
  assert.match(analyze.stdout, /\+ eval\/loss \(\d+ NaN\/Inf !\)/);
  const bad = await runCli([
    "values",
    "-p",
    "sft-qwen",
    "-r",
    "lr-high",
    "-m",
    "train/loss",
    "--plot",
    "--width",
    "x",
    "--dir",
    dir,
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: --width: 'x' is not a whole number/);
  Deno.removeSync(dir, { recursive: true });
});
