/**
 * A metric the user names explicitly must exist: a typo in --train-metric, --eval-metric or
 * compare's --metric is a not-found error with did-you-mean, never a quiet fall-back that changes the
 * verdict a CI gate reads.
 */
import assert from "node:assert/strict";
import { TrackioCliError } from "../src/errors.ts";
import { runCli, spawnCli } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { call } from "./helpers/invoke.ts";
import { lossRows, TrackioDb } from "./helpers/trackio_db.ts";
import { join } from "node:path";

const gate = ["analyze", "-p", "sft-qwen", "-r", "lr-high", "--fail-on", "critical"];

Deno.test("a typo'd --train-metric or --eval-metric fails the gate with exit 3 and did-you-mean", async () => {
  const dir = fixtureDir("head");
  try {
    const plain = await runCli([...gate, "--dir", dir]);
    assert.equal(plain.code, 7, plain.stderr);
    for (
      const [flag, typo, meant] of [["--train-metric", "trian/loss", "train/loss"], [
        "--eval-metric",
        "eval/los",
        "eval/loss",
      ]]
    ) {
      for (const extra of [[], ["--json"], ["--plot"]]) {
        const out = await runCli([...gate, flag, typo, ...extra, "--dir", dir]);
        assert.equal(out.code, 3, `${flag} ${extra}: ${out.stderr}`);
        assert.equal(out.stdout, "", "a failing command prints nothing on stdout");
        assert.match(
          out.stderr,
          new RegExp(`metric '${typo}' not found in run 'lr-high'.*Did you mean '${meant}'`),
        );
      }
    }
    // Spelt right, the choice is taken.
    const right = await runCli([...gate, "--train-metric", "train/loss", "--dir", dir]);
    assert.equal(right.code, 7, right.stderr);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("analyze_run over MCP and --all: the same not-found error", async () => {
  const dir = fixtureDir("head");
  try {
    for (
      const args of [{ run: "lr-high", train_metric: "trian/loss" }, { all: true, eval_metric: "eval/los" }]
    ) {
      await assert.rejects(
        () => call(dir, "analyze_run", { project: "sft-qwen", ...args }),
        (e) => e instanceof TrackioCliError && e.code === "not_found" && /Did you mean/.test(e.message),
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("compare --metric with a typo: exit 3 naming the metric it meant", async () => {
  const dir = fixtureDir("head");
  try {
    const out = await runCli(["compare", "-p", "sft-qwen", "--metric", "eval/los", "--dir", dir]);
    assert.equal(out.code, 3, out.stderr);
    assert.equal(out.stdout, "");
    assert.match(out.stderr, /no compared run logs 'eval\/los'.*Did you mean 'eval\/loss'/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("analyze --watch: a typo'd train metric ends at once with exit 3; an eval metric is awaited with a note", async () => {
  const dir = fixtureDir("head");
  try {
    const out = await runCli([...gate, "--watch", "1", "--train-metric", "trian/loss", "--dir", dir]);
    assert.equal(out.code, 3, out.stderr);
    assert.equal(out.stdout, "");
    const child = spawnCli([
      "analyze",
      "-p",
      "sft-qwen",
      "-r",
      "baseline-v1",
      "--watch",
      "1",
      "--eval-metric",
      "eval/los",
      "--dir",
      dir,
    ]);
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let said = "";
    while (!said.includes("\n")) said += (await reader.read()).value ?? "";
    assert.match(said, /note: metric 'eval\/los' not found .*Watching until it is logged/);
    child.kill("SIGINT");
    reader.releaseLock();
    await child.stderr.cancel().catch(() => {});
    await child.stdout.cancel();
    await child.status;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("analyze --all: a named metric that only some runs log is a note naming the others, not an error", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-named-all-" });
  const db = new TrackioDb(join(dir, "p.db"), "head");
  db.log("done", lossRows(20).map((r) => ({ ...r, metrics: { ...r.metrics, "eval/loss": 1 } })), "done");
  db.log("fresh", lossRows(20), "fresh");
  db.close();
  try {
    const out = await runCli(["analyze", "-p", "p", "--all", "--eval-metric", "eval/loss", "--dir", dir]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /note: 1 of 2 runs do not log 'eval\/loss': fresh/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
