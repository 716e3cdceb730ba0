/**
 * `watch`'s engine (src/watch/): runs written in Trackio's format between polls, the events asserted
 * exactly (each finding's words are analyze's for the same run), in every schema generation.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LocalSource } from "../src/store/local_source.ts";
import { analyzeRunTool } from "../src/tools/analyze_run.ts";
import { invokeTool } from "../src/tools/invoke.ts";
import type { Severity } from "../src/analysis/findings.ts";
import type { WatchEvent } from "../src/watch/event.ts";
import { ProjectWatcher } from "../src/watch/watcher.ts";
import { type Generation, TrackioDb } from "./helpers/trackio_db.ts";
import { curve, diverging, falling, goingNan, summaryRow } from "./helpers/watch_runs.ts";
import { startFaultServer } from "./helpers/fault_server.ts";
import { remoteSource } from "./helpers/remote.ts";

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const TIME = new Date(NOW).toISOString();

function project(generation: Generation) {
  const dir = Deno.makeTempDirSync();
  const path = join(dir, "sweep.db");
  const source = new LocalSource({ path: dir, source: "--dir" });
  const write = (fill: (db: TrackioDb) => void, create = false) => {
    const db = new TrackioDb(path, generation, create);
    fill(db);
    db.close();
  };
  return { dir, source, write };
}

/** What analyze says of a run's finding: the words an event must carry. */
async function finding(source: LocalSource, run: string, rule: string) {
  const { result } = await invokeTool(analyzeRunTool, { project: "sweep", run }, { source });
  const report = result.runs[0];
  const f = report.findings.find((x) => x.rule === rule);
  assert.ok(f, `${run} has ${rule}: ${report.findings.map((x) => x.rule)}`);
  return { report, f };
}

/** An event as `watch` builds it. */
function event(
  kind: WatchEvent["kind"],
  run: string,
  more: Partial<WatchEvent>,
): WatchEvent {
  return {
    kind,
    time: TIME,
    project: "sweep",
    run,
    run_id: null,
    severity: "info",
    verdict: "ok",
    step: 199,
    rule: null,
    message: "",
    evidence_steps: [],
    actions: [],
    url: null,
    ...more,
  };
}

/** The event of a finding opening: analyze's words, its evidence steps once each. */
const opened = (run: string, f: Awaited<ReturnType<typeof finding>>["f"], verdict: Severity = "critical") =>
  event("finding_opened", run, {
    severity: f.severity === "ok" ? "info" : f.severity,
    verdict,
    rule: f.rule,
    message: f.message,
    evidence_steps: [...new Set(f.evidence.map((e) => e.step))].sort((a, b) => a - b),
    actions: f.actions,
  });

const noIds = (events: WatchEvent[]) => events.map((e) => ({ ...e, run_id: null }));

for (const generation of ["head", "pre-runid", "v0.5"] as const) {
  Deno.test(`watch (${generation}): findings opened and cleared, runs started, stalled, resumed, finished`, async () => {
    const p = project(generation);
    p.write((db) => {
      db.log("healthy", curve(0, 200, falling), "id-h");
      db.log("diverging", curve(0, 200, diverging), "id-d");
      db.log("nan", curve(0, 200, goingNan), "id-n");
      db.log("quiet", curve(0, 200, falling, 40 * 60_000), "id-q");
      db.log("done", [...curve(0, 200, falling, 60_000), summaryRow(200)], "id-x");
    }, true);
    const watcher = new ProjectWatcher({ source: p.source }, "sweep", {}, null, undefined, () => NOW);
    const divergence = await finding(p.source, "diverging", "loss.divergence");
    const nan = await finding(p.source, "nan", "grad.explosion");

    // First pass: what is wrong now, in run order; the finished run is left alone.
    const quietBasis = "no new row for 40 min (it logged every 1 s)";
    assert.deepEqual(noIds(await watcher.poll()), [
      event("run_stalled", "quiet", {
        severity: "warning",
        message: quietBasis,
        actions: ["Check that the job is still running (a crash, a hang, a full disk)"],
      }),
      opened("diverging", divergence.f),
      opened("nan", nan.f),
    ]);
    assert.equal(watcher.following, 4);
    assert.equal(watcher.finishedAtStart, 1);
    assert.equal(watcher.verdict, "critical");
    assert.deepEqual(await watcher.poll(), [], "nothing changed, nothing said");

    // A new run, the quiet one logging again, the healthy one finishing, the diverging one coming back
    // down: its divergence clears, the episode stays as an instability.
    p.write((db) => {
      db.log("late", curve(0, 50, falling), "id-l");
      db.log("quiet", curve(200, 5, falling), "id-q");
      db.log("healthy", [summaryRow(200)], "id-h");
      db.log("diverging", curve(200, 600, () => 0.55, -600_000), "id-d");
    });
    const healthy =
      (await invokeTool(analyzeRunTool, { project: "sweep", run: "healthy" }, { source: p.source }))
        .result.runs[0];
    const instability = await finding(p.source, "diverging", "loss.instability");
    assert.deepEqual(noIds(await watcher.poll()), [
      event("run_resumed", "quiet", { step: 204, message: "logging again (last log 0 s ago)" }),
      event("run_finished", "healthy", {
        message: "finished at step 199 (summary row), verdict ok",
        actions: [healthy.recommendation],
      }),
      { ...opened("diverging", instability.f, "warning"), step: 799 },
      event("finding_cleared", "diverging", {
        rule: "loss.divergence",
        message: "loss.divergence no longer holds",
        step: 799,
        verdict: "warning",
      }),
      event("run_started", "late", { step: 49, message: "run 'late' started (step 49)" }),
    ]);
    assert.equal(watcher.following, 4, "healthy finished, late started");

    // A finished run is no longer followed: even rows logged after its end say nothing.
    p.write((db) => db.log("healthy", curve(201, 5, diverging), "id-h"));
    assert.deepEqual(await watcher.poll(), []);

    // A remembered watch (--once --state) reports only what changed since.
    const again = new ProjectWatcher({ source: p.source }, "sweep", {}, null, watcher.memory(), () => NOW);
    assert.deepEqual(await again.poll(), []);
    Deno.removeSync(p.dir, { recursive: true });
  });
}

Deno.test("watch: --runs and --filter narrow what is followed; a deleted run is dropped", async () => {
  const p = project("head");
  p.write((db) => {
    for (const run of ["lr-1", "lr-2", "bs-1"]) db.log(run, curve(0, 200, goingNan), `id-${run}`);
  }, true);
  const runsOf = async (choice: ConstructorParameters<typeof ProjectWatcher>[2]) =>
    (await new ProjectWatcher({ source: p.source }, "sweep", choice).poll()).map((e) => e.run);
  assert.deepEqual(await runsOf({}), ["lr-1", "lr-2", "bs-1"]);
  assert.deepEqual(await runsOf({ filter: /^lr-/ }), ["lr-1", "lr-2"]);
  assert.deepEqual(await runsOf({ runs: ["bs-1", "id-lr-2"] }), ["lr-2", "bs-1"]);
  const watcher = new ProjectWatcher({ source: p.source }, "sweep");
  await watcher.poll();
  p.write((db) => db.db.exec("DELETE FROM metrics WHERE run_name = 'lr-1'"));
  assert.deepEqual(await watcher.poll(), []);
  assert.equal(watcher.following, 2);
  Deno.removeSync(p.dir, { recursive: true });
});

Deno.test("watch: a pass a server cuts short changes nothing; the next pass tells what it would have", async () => {
  const p = project("head");
  p.write((db) => {
    db.log("r0", curve(0, 200, goingNan), "id-r0");
    db.log("r1", curve(0, 200, falling), "id-r1");
  }, true);
  let failing = true;
  const server = startFaultServer({
    dir: p.dir,
    fault: (request) =>
      failing && request.body.includes("id-r1") ? new Response("busy", { status: 503 }) : undefined,
  });
  try {
    const watcher = new ProjectWatcher({ source: remoteSource(server.url) }, "sweep");
    await assert.rejects(watcher.poll(), /503/);
    failing = false;
    assert.deepEqual((await watcher.poll()).map((e) => `${e.kind} ${e.run} ${e.rule}`), [
      "finding_opened r0 grad.explosion",
    ]);
  } finally {
    await server.close();
    Deno.removeSync(p.dir, { recursive: true });
  }
});

Deno.test("watch: a run deleted and logged again under its id is a new run, even once finished", async () => {
  const p = project("head");
  p.write((db) => db.log("a", [...curve(0, 200, falling, 60_000), summaryRow(200)], "id-a"), true);
  const watcher = new ProjectWatcher({ source: p.source }, "sweep");
  assert.deepEqual(await watcher.poll(), [], "finished before the watch: left alone");
  p.write((db) => {
    db.db.exec("DELETE FROM metrics");
    db.log("a", curve(0, 200, goingNan, -5_000), "id-a");
  });
  assert.deepEqual((await watcher.poll()).map((e) => `${e.kind} ${e.run} ${e.rule}`), [
    "run_started a null",
    "finding_opened a grad.explosion",
  ]);
  Deno.removeSync(p.dir, { recursive: true });
});
