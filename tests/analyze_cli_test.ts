/**
 * `trackio-cli analyze` and `explain` as users run them: reports in three formats, the --fail-on
 * gate's exit codes, GitHub Actions output, --all, and --watch following a run a writer is training.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { interrupt, runCli, spawnCli } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { stdioSession } from "./helpers/mcp.ts";
import { TrackioDb } from "./helpers/trackio_db.ts";
import { rowsFor } from "./helpers/training_writer.ts";

const WRITER = new URL("./helpers/training_writer.ts", import.meta.url).pathname;

Deno.test("analyze prints a report a person reads in ten seconds", async () => {
  const dir = fixtureDir("head");
  const out = await runCli(["analyze", "-p", "sft-qwen", "-r", "overfit-v2", "--dir", dir]);
  assert.equal(out.code, 0, out.stderr);
  const [status, , header] = out.stdout.split("\n");
  assert.equal(status, "sft-qwen / overfit-v2: WARNING · step 3000 of 3000 (100%) · SFT");
  assert.match(header, /metric\s+now\s+start\s+change\s+best\s+trend/);
  assert.match(out.stdout, /\n {2}eval\/loss\s+1\.41\s+2\.04\s+-31%\s+1\.08 @1100\s+increasing\n/);
  assert.match(
    out.stdout,
    /\[warning\] loss\.overfitting: eval\/loss is 30% above its best 1\.08 at step 1100/,
  );
  assert.match(out.stdout, /recommendation: Stop at the lowest eval loss/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("analyze --json has the documented shape and equals the MCP tool's result", async () => {
  const dir = fixtureDir("head");
  const out = await runCli(["analyze", "-p", "sft-qwen", "-r", "nan-blowup", "--dir", dir, "--json"]);
  const result = JSON.parse(out.stdout);
  assert.deepStrictEqual(Object.keys(result), ["project", "verdict", "runs"]);
  assert.equal(result.verdict, "critical");
  const run = result.runs[0];
  assert.deepStrictEqual(Object.keys(run), [
    "run",
    "run_id",
    "verdict",
    "kind",
    "metrics",
    "progress",
    "stats",
    "findings",
    "projection",
    "projections",
    "lr_schedule",
    "status",
    "recommendation",
  ]);
  assert.deepStrictEqual(Object.keys(run.findings[0]), [
    "rule",
    "severity",
    "message",
    "evidence",
    "actions",
  ]);
  assert.deepStrictEqual(run.findings[0].evidence[0], {
    metric: "eval/loss",
    step: 600,
    value: "NaN",
    note: "first non-finite value",
  });
  const { client, close } = await stdioSession(["--dir", dir]);
  const answer = await client.callTool({
    name: "analyze_run",
    arguments: { project: "sft-qwen", run: "nan-blowup" },
  });
  await close();
  assert.deepStrictEqual((answer.structuredContent as { result: unknown }).result, result);
  assert.match(
    (answer as CallToolResult).content[0].type === "text"
      ? (answer.content as { text: string }[])[0].text
      : "",
    /CRITICAL/,
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--fail-on gates CI: 6 for a warning, 7 for critical, 0 below the threshold", async () => {
  const dir = fixtureDir("head");
  const gate = async (run: string, failOn: string) =>
    (await runCli(["analyze", "-p", "sft-qwen", "-r", run, "--dir", dir, "--fail-on", failOn, "--json"]))
      .code;
  assert.equal(await gate("overfit-v2", "warning"), 6);
  assert.equal(await gate("overfit-v2", "critical"), 0);
  assert.equal(await gate("nan-blowup", "warning"), 7);
  assert.equal(await gate("nan-blowup", "critical"), 7);
  assert.equal(await gate("baseline-v1", "warning"), 0);
  const bad = await runCli([
    "analyze",
    "-p",
    "sft-qwen",
    "-r",
    "overfit-v2",
    "--dir",
    dir,
    "--fail-on",
    "info",
  ]);
  assert.equal(bad.code, 2);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--format markdown, --all, and conflicting formats", async () => {
  const dir = fixtureDir("head");
  const lrLow = (...more: string[]) =>
    runCli(["analyze", "-p", "sft-qwen", "-r", "lr-low", "--dir", dir, ...more]);
  const md = await lrLow("--format", "markdown");
  assert.match(md.stdout, /^### ⚠️ sft-qwen \/ lr-low: warning\n/);
  assert.match(md.stdout, /\n\| train\/loss \| 2\.08 \|/);
  assert.match(md.stdout, /- ⚠️ \*\*warning\*\* `lr\.too_low`: /);
  const all = JSON.parse(
    (await runCli(["analyze", "-p", "sft-qwen", "--all", "--dir", dir, "--json"])).stdout,
  );
  assert.deepStrictEqual(all.runs.map((r: { run: string; verdict: string }) => `${r.run}:${r.verdict}`), [
    "baseline-v1:ok",
    "overfit-v2:warning",
    "lr-high:critical",
    "nan-blowup:critical",
    "plateau:warning",
    "lr-low:warning",
  ]);
  assert.equal(all.verdict, "critical");
  const both = await lrLow("--json", "--format", "markdown");
  assert.equal(both.code, 2);
  assert.match(JSON.parse(both.stderr).error.message, /^--json and --format are two answers/);
  const allAndRun = await lrLow("--all");
  assert.equal(allAndRun.code, 2);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("in GitHub Actions: annotations on stderr, the report appended to the job summary", async () => {
  const dir = fixtureDir("head");
  const summary = join(dir, "summary.md");
  Deno.writeTextFileSync(summary, "# earlier step\n");
  const env = { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary };
  const out = await runCli(["analyze", "-p", "sft-qwen", "-r", "lr-high", "--dir", dir, "--json"], { env });
  JSON.parse(out.stdout);
  const lines = out.stderr.trim().split("\n");
  assert.ok(
    lines.some((l) => l.startsWith("::error title=sft-qwen/lr-high%3A loss.divergence::")),
  );
  assert.ok(
    lines.some((l) => l.startsWith("::warning title=sft-qwen/lr-high%3A lr.too_high::train/loss spiked")),
  );
  const written = Deno.readTextFileSync(summary);
  assert.match(written, /^# earlier step\n### 🛑 sft-qwen \/ lr-high: critical\n/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("explain: a rule's meaning, detection, thresholds and actions; unknown rules are not found", async () => {
  const out = await runCli(["explain", "loss.overfitting"]);
  assert.equal(out.code, 0);
  assert.match(out.stdout, /^loss\.overfitting \(warning\): Overfitting/);
  assert.match(out.stdout, /\nThresholds:\n {2}OVERFIT_MIN_EVALS_AFTER_BEST = 2: /);
  assert.match(out.stdout, /\nWhat to do:\n {2}- Stop at the lowest eval loss/);
  const list = await runCli(["explain", "--json"]);
  const ids = JSON.parse(list.stdout).map((r: { id: string }) => r.id);
  assert.ok(ids.includes("grad.explosion") && ids.includes("grpo.kl_blowup") && ids.length >= 18);
  const unknown = await runCli(["explain", "loss.overfit"]);
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /Did you mean 'loss\.overfitting'\?/);
});

/** A project whose run "live" has its first rows, for a writer to continue. */
function liveProject(upTo: number): { dir: string; path: string } {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-watch-" });
  const path = join(dir, "live.db");
  const db = new TrackioDb(path, "head");
  const rows = [];
  for (let step = 0; step <= upTo; step += 5) {
    for (const metrics of rowsFor(step)) {
      rows.push({
        step,
        metrics,
        timestamp: new Date(Date.UTC(2026, 0, 1) + step * 1000).toISOString().replace("Z", "+00:00"),
      });
    }
  }
  db.log("live", rows, "live");
  db.config("live", { max_steps: 1000, warmup_steps: 10, learning_rate: 2e-5 }, "live");
  db.close();
  return { dir, path };
}

Deno.test("--watch follows a run as it trains, prints only changes, and stops when it finishes", async () => {
  const { dir, path } = liveProject(120);
  const watcher = spawnCli([
    "analyze",
    "-p",
    "live",
    "-r",
    "live",
    "--dir",
    dir,
    "--watch",
    "0.1",
    "--fail-on",
    "warning",
  ]);
  await new Promise((r) => setTimeout(r, 1500));
  const writer = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", WRITER, path, "125", "150"] })
    .output();
  assert.equal(writer.code, 0);
  const out = await watcher.output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 6, `${stdout}\n${new TextDecoder().decode(out.stderr)}`);
  assert.match(stdout, /^live \/ live: OK · step 120 of 1000 \(12%\)/);
  assert.match(
    stdout,
    /\n\[\d\d:\d\d:\d\d\] step \d+ \(\d+%\): WARNING \(was ok\)\n {2}\+ \[warning\] loss\.overfitting: /,
  );
  assert.match(stdout, /\n {2}- run\.healthy\n/);
  assert.match(stdout, /\n\[\d\d:\d\d:\d\d\] run finished at step 400: WARNING\n$/);
  assert.equal(stdout.match(/loss\.overfitting/g)?.length, 1, "a finding is announced once");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--watch ends cleanly on Ctrl-C, and --json streams one event per line", async () => {
  const { dir } = liveProject(100);
  const watcher = spawnCli(["analyze", "-p", "live", "-r", "live", "--dir", dir, "--watch", "0.2", "--json"]);
  const reader = watcher.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = (await reader.read()).value!;
  const event = JSON.parse(first.split("\n")[0]);
  assert.equal(event.event, "start");
  assert.equal(event.result.runs[0].verdict, "ok");
  const { code, stderr } = await interrupt(watcher, reader);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "");
  Deno.removeSync(dir, { recursive: true });
});
