/** Whether a run is finished, running or stalled; its logging rate, ETA and the step to look again at. */
import assert from "node:assert/strict";
import { duration, parseStamp, runStatus } from "../src/analysis/run_status.ts";
import { runCli } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";

const now = Date.UTC(2026, 11, 2, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");
const base = {
  firstStep: 0,
  lastStep: 600,
  firstTime: iso(now - 60 * 60_000),
  rows: 61,
  maxSteps: 1200,
  finishedBy: null,
  evalSteps: [200, 400, 600],
  now,
};

Deno.test("runStatus: running with a rate, an ETA and the next evaluation; stalled; finished", () => {
  const running = runStatus({ ...base, lastTime: iso(now - 2 * 60_000) });
  assert.equal(running.state, "running");
  assert.equal(running.steps_per_minute, Number((600 / 58).toPrecision(3)));
  assert.equal(running.check_again_at_step, 800, "the next evaluation");
  assert.equal(running.eta, new Date(now - 2 * 60_000 + (600 / (600 / 58)) * 60_000).toISOString());
  const stalled = runStatus({
    ...base,
    firstTime: iso(now - 120 * 60_000),
    lastTime: iso(now - 90 * 60_000),
  });
  assert.equal(stalled.state, "stalled");
  assert.match(stalled.basis, /no new row for 90 min \(it logged every 30 s\)/);
  const finished = runStatus({ ...base, lastTime: iso(now - 90 * 60_000), finishedBy: "summary row" });
  assert.deepStrictEqual([finished.state, finished.eta, finished.check_again_at_step], [
    "finished",
    null,
    null,
  ]);
  assert.equal(parseStamp("2026-12-02T12:00:00"), now, "a naive timestamp is UTC");
  assert.deepStrictEqual([duration(0.5), duration(12), duration(300), duration(4320)], [
    "30 s",
    "12 min",
    "5 h",
    "3 days",
  ]);
});

Deno.test("analyze: a finished run never gets 'let it run'; a quiet one is told to check the job", async () => {
  const dir = fixtureDir("head");
  try {
    const out = await runCli(["analyze", "-p", "sft-qwen", "--all", "--dir", dir, "--json"]);
    for (const r of JSON.parse(out.stdout).runs) {
      if (r.status.state === "finished") assert.doesNotMatch(r.recommendation, /let it run/i, r.run);
      // Quiet and otherwise fine: the first thing to do is to see whether the job is alive.
      if (r.status.state === "stalled" && (r.verdict === "ok" || r.verdict === "info")) {
        assert.match(r.recommendation, /gone quiet .* check that the job/, r.run);
      }
    }
    const text = await runCli(["analyze", "-p", "sft-qwen", "-r", "overfit-v2", "--dir", dir]);
    assert.match(text.stdout, /\n {2}status: finished \(summary row\), [\d.]+ steps\/min\n/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
