/**
 * `trackio-cli compare` and the `compare_runs` tool: the sweep fixture's ranking, fairness across
 * unequal runs, runs without eval or with NaN, a single run, runs of several projects, and output
 * that real consumers (jq, Python's csv module) read back.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Comparison } from "../src/analysis/compare.ts";
import { runCli } from "./helpers/cli.ts";
import { pipe as pipeRaw } from "./helpers/shell.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { result } from "./helpers/invoke.ts";
import { stdioSession } from "./helpers/mcp.ts";
import { lossRows, TrackioDb } from "./helpers/trackio_db.ts";

const compare = async (dir: string, args: Record<string, unknown>) =>
  (await result(dir, "compare_runs", args)) as Comparison;

for (const generation of ["v0.5", "pre-runid", "head"] as const) {
  Deno.test(`the sweep fixture (${generation}): lr-2e-5 is best on eval loss, runs differ in learning_rate`, async () => {
    const dir = fixtureDir(generation);
    const c = await compare(dir, { project: "hyperparam-sweep" });
    assert.equal(c.metric, "eval/loss");
    assert.deepStrictEqual(c.runs.map((r) => [r.rank, r.run, r.value]), [
      [1, "lr-2e-5", 0.61],
      [2, "lr-1e-5", 0.69],
      [3, "lr-1e-4", 0.72],
    ]);
    assert.deepStrictEqual(c.best, { project: "hyperparam-sweep", run: "lr-2e-5", value: 0.61, step: 2000 });
    assert.deepStrictEqual(c.differing_config, ["learning_rate"], "identical and _-prefixed keys hidden");
    assert.deepStrictEqual(c.runs.map((r) => r.config), [
      { learning_rate: 2e-5 },
      { learning_rate: 1e-5 },
      { learning_rate: 1e-4 },
    ]);
    assert.deepStrictEqual(c.warnings, []);
    assert.match(
      c.recommendation,
      /^Best: lr-2e-5: lowest eval\/loss \(0\.61 at step 2000\), ahead of lr-1e-5 \(0\.69\), and a healthy run; the runs differ in learning_rate\.$/,
    );
    Deno.removeSync(dir, { recursive: true });
  });
}

Deno.test("runs of unequal length: a warning at their own last steps, a common step with align or at_step", async () => {
  const dir = fixtureDir("head");
  const runs = "baseline-v1,overfit-v2,plateau,lr-low";
  const final = await compare(dir, { project: "sft-qwen", runs });
  assert.equal(final.compared_at.same_step, false);
  assert.match(final.warnings[0], /^runs were compared at different steps \(1500 to 3000\)/);
  const aligned = await compare(dir, { project: "sft-qwen", runs, align: "min" });
  assert.deepStrictEqual(aligned.compared_at, { policy: "align_min", step: 1500, same_step: false });
  assert.ok(
    aligned.runs.every((r) => r.step! <= 1500 && r.step! >= 1400),
    JSON.stringify(aligned.runs.map((r) => r.step)),
  );
  const at = await compare(dir, { project: "sft-qwen", runs, at_step: 1000 });
  assert.deepStrictEqual(at.compared_at, { policy: "at_step", step: 1000, same_step: true });
  assert.deepStrictEqual(at.runs.map((r) => r.run), ["baseline-v1", "overfit-v2", "plateau", "lr-low"]);
  const early = await compare(dir, { project: "sft-qwen", runs, at_step: 500 });
  assert.equal(early.best?.run, "overfit-v2");
  assert.match(
    early.warnings.join("\n"),
    /the best run overfit-v2 is not healthy \(warning: loss\.overfitting\)/,
  );
  assert.match(early.recommendation, /keep its checkpoint at step 1100, before it overfit/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a run with NaN ranks behind the runs that did not blow up, and says why", async () => {
  const dir = fixtureDir("head");
  const c = await compare(dir, { project: "sft-qwen", runs: ["baseline-v1", "nan-blowup"] });
  assert.deepStrictEqual(c.runs.map((r) => r.run), ["baseline-v1", "nan-blowup"]);
  const nan = c.runs[1];
  assert.equal(nan.verdict, "critical");
  assert.ok(nan.findings.includes("grad.explosion"));
  assert.match(nan.note!, /NaN\/Infinity values of eval\/loss/);
  Deno.removeSync(dir, { recursive: true });
});

/** A project where only some runs log eval loss, and two runs are nearly tied. */
function mixedProject(): string {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-compare-" });
  const db = new TrackioDb(join(dir, "mixed.db"), "head");
  const withEval = lossRows(300).map((r) => ({ ...r, metrics: { ...r.metrics, "eval/loss": 1 } }));
  db.log("with-eval", withEval, "id-a");
  db.log("train-only", lossRows(300), "id-b");
  db.log(
    "tied",
    lossRows(300).map((r) => ({ ...r, metrics: { loss: (r.metrics.loss as number) * 1.002 } })),
    "id-c",
  );
  db.config("with-eval", { learning_rate: 1e-4, seed: 1, _Created: "x" }, "id-a");
  db.config("train-only", { learning_rate: 1e-4, seed: 2, _Created: "y" }, "id-b");
  db.config("tied", { learning_rate: 1e-4, seed: 3, _Created: "z" }, "id-c");
  db.close();
  return dir;
}

Deno.test("without eval loss in every run, train loss is compared (smoothed), and near ties are called", async () => {
  const dir = mixedProject();
  const c = await compare(dir, { project: "mixed" });
  assert.equal(c.metric, "loss");
  assert.equal(c.smooth, 10);
  assert.deepStrictEqual(c.differing_config, ["seed"]);
  assert.ok(c.warnings.some((w) => /too close to call/.test(w)), JSON.stringify(c.warnings));
  const single = await compare(dir, { project: "mixed", runs: "train-only" });
  assert.equal(single.runs.length, 1);
  assert.equal(single.runs[0].rank, 1);
  assert.deepStrictEqual(single.differing_config, []);
  assert.match(single.recommendation, /^Best: train-only: lowest loss/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("runs of several projects, by project/run; nothing matched is exit 3", async () => {
  const dir = fixtureDir("head");
  const out = await runCli([
    "compare",
    "--runs",
    "hyperparam-sweep/lr-2e-5,sft-qwen/baseline-v1",
    "--dir",
    dir,
    "--json",
  ]);
  assert.equal(out.code, 0, out.stderr);
  const c = JSON.parse(out.stdout) as Comparison;
  assert.deepStrictEqual(c.runs.map((r) => `${r.project}/${r.run}`), [
    "hyperparam-sweep/lr-2e-5",
    "sft-qwen/baseline-v1",
  ]);
  const none = await runCli(["compare", "-p", "sft-qwen", "--filter", "^zzz", "--dir", dir]);
  assert.equal(none.code, 3);
  assert.match(none.stderr, /^error: no runs matching \/\^zzz\/ in project 'sft-qwen'/);
  const badRegex = await runCli(["compare", "-p", "sft-qwen", "--filter", "(", "--dir", dir]);
  assert.equal(badRegex.code, 2);
  const noMetric = await runCli(["compare", "-p", "sft-qwen", "--metric", "train/nope", "--dir", dir]);
  assert.equal(noMetric.code, 3);
  Deno.removeSync(dir, { recursive: true });
});

const pipe = async (command: string, input: string) => (await pipeRaw(command, input)).trim();

Deno.test("--json through jq and --format csv through Python's csv module give the same fields", async () => {
  const dir = fixtureDir("head");
  const json = await runCli(["compare", "-p", "hyperparam-sweep", "--dir", dir, "--json"]);
  assert.equal(await pipe("jq -r '.best.run'", json.stdout), "lr-2e-5");
  assert.equal(
    await pipe(`jq -r '.runs[] | "\\(.rank) \\(.run) \\(.value) \\(.config.learning_rate)"'`, json.stdout),
    "1 lr-2e-5 0.61 2e-05\n2 lr-1e-5 0.69 1e-05\n3 lr-1e-4 0.72 0.0001",
  );
  const csv = await runCli(["compare", "-p", "hyperparam-sweep", "--dir", dir, "--format", "csv"]);
  assert.equal(csv.code, 0);
  const parsed = JSON.parse(
    await pipe(
      `python3 -c 'import csv, json, sys; print(json.dumps(list(csv.DictReader(sys.stdin))))'`,
      csv.stdout,
    ),
  ) as Record<string, string>[];
  assert.deepStrictEqual(
    parsed.map((r) => [r.rank, r.run, Number(r.value), Number(r["config.learning_rate"])]),
    [
      ["1", "lr-2e-5", 0.61, 2e-5],
      ["2", "lr-1e-5", 0.69, 1e-5],
      ["3", "lr-1e-4", 0.72, 1e-4],
    ],
  );
  assert.equal(parsed[0].best_run, "true");
  const tsv = await runCli(["compare", "-p", "hyperparam-sweep", "--dir", dir, "--format", "tsv"]);
  assert.equal(tsv.stdout.split("\n")[1].split("\t")[3], "lr-2e-5");
  const md = await runCli(["compare", "-p", "hyperparam-sweep", "--dir", dir, "--format", "markdown"]);
  assert.match(md.stdout, /^\| rank \| best_run \| project \|/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("the compare_runs MCP tool returns what compare --json prints", async () => {
  const dir = fixtureDir("head");
  const cli = JSON.parse(
    (await runCli(["compare", "-p", "sft-qwen", "--align", "min", "--dir", dir, "--json"])).stdout,
  );
  const { client, close } = await stdioSession(["--dir", dir]);
  const answer = await client.callTool({
    name: "compare_runs",
    arguments: { project: "sft-qwen", align: "min" },
  });
  await close();
  assert.deepStrictEqual((answer.structuredContent as { result: unknown }).result, cli);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("compare: train and eval loss as last logged side by side, their gap and each run's last step", async () => {
  const out = await runCli(["compare", "-p", "hyperparam-sweep", "--demo", "--json"]);
  assert.equal(out.code, 0, out.stderr);
  for (const r of JSON.parse(out.stdout).runs) {
    assert.equal(typeof r.train_loss, "number", r.run);
    assert.equal(typeof r.eval_loss, "number", r.run);
    assert.ok(Math.abs(r.train_eval_gap - (r.eval_loss - r.train_loss)) < 1e-12, r.run);
    assert.ok(r.run_last_step >= r.last_step, r.run);
  }
  const table = await runCli(["compare", "-p", "hyperparam-sweep", "--demo"]);
  assert.match(table.stdout, /last step\s+train\s+eval\s+gap/);
});

Deno.test("a run's health in a comparison is its analyze verdict and findings (one path to a diagnosis)", async () => {
  const dir = fixtureDir("head");
  for (const project of ["dpo-llama", "grpo-math", "hyperparam-sweep", "sft-qwen"]) {
    const c = await compare(dir, { project });
    const analysis = (await result(dir, "analyze_run", { project, all: true })) as {
      runs: { run_id: string; verdict: string; findings: { rule: string; severity: string }[] }[];
    };
    assert.equal(c.runs.length, analysis.runs.length);
    const byId = new Map(analysis.runs.map((r) => [r.run_id, r]));
    for (const r of c.runs) {
      const analyzed = byId.get(r.run_id)!;
      assert.equal(r.verdict, analyzed.verdict, r.run);
      const rules = analyzed.findings.filter((f) => f.severity !== "ok").map((f) => f.rule);
      assert.deepStrictEqual(r.findings, rules, r.run);
    }
  }
  Deno.removeSync(dir, { recursive: true });
});
