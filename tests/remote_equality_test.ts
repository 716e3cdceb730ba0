/**
 * What the remote source computes on the server (downsampling, log thinning, windows, the analysis
 * series, SQL) equals what the local reader computes, on a long run with spikes, NaN, Infinity,
 * non-numeric values, shared timestamps and awkward names, served by the Trackio HTTP API double.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { TrackioCliError } from "../src/errors.ts";
import { toJson } from "../src/json.ts";
import { findTool } from "../src/tools/index.ts";
import { invokeTool, parseToolArgs } from "../src/tools/invoke.ts";
import { localContext, type ToolContext } from "../src/tools/registry.ts";
import { remoteSource, serveDir } from "./helpers/remote.ts";
import { type LogRow, TrackioDb } from "./helpers/trackio_db.ts";

const QUOTED = 'odd"name\\x';

/** A run whose rows come in batches sharing a timestamp, as Trackio's background flush writes them. */
function longRun(n: number, seed: number, start: number, quoted = true): LogRow[] {
  const rows: LogRow[] = [];
  let x = seed;
  const rand = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < n; i++) {
    const step = i * 2;
    const timestamp = new Date(start + Math.floor(i / 8) * 500).toISOString().replace("Z", "+00:00");
    let loss: unknown = 2.5 / (1 + i * 0.002) + rand() * 0.1;
    if (i % 997 === 500) loss = (loss as number) * 6;
    if (i > n - 40) loss = NaN;
    else if (i > n - 60) loss = Infinity;
    if (i === 77) loss = true;
    const metrics: Record<string, unknown> = {
      "train/loss": loss,
      "train/grad_norm": i % 311 === 7 ? 90 : 1 + rand(),
      "train/learning_rate": 2e-5 * Math.min(1, i / 100),
      "ünï/côde": i % 3,
    };
    if (quoted) metrics[QUOTED] = i;
    // Some logs repeat the step among the metrics; thinning must count it as the local reader does.
    else if (i % 3 === 0) metrics.step = step;
    if (i % 50 === 0) metrics.note = "text";
    rows.push({ step, metrics, timestamp });
    if (i % 100 === 99) {
      rows.push({ step, metrics: { "eval/loss": 2.6 / (1 + i * 0.0015), "eval/runtime": 3 }, timestamp });
    }
  }
  return rows;
}

function writeProject(dir: string): void {
  const db = new TrackioDb(join(dir, "long.db"), "head");
  db.log("noisy", longRun(3000, 7, Date.UTC(2026, 3, 1, 23, 50)), "id-noisy");
  db.log("other", longRun(1200, 11, Date.UTC(2026, 3, 2, 9)), "id-other");
  // Two runs sharing a name: the newer one is meant, as Trackio resolves it.
  db.log("twin", longRun(40, 3, Date.UTC(2026, 3, 3)), "id-twin-old");
  db.log("twin", longRun(30, 4, Date.UTC(2026, 3, 4)), "id-twin-new");
  db.config("noisy", { max_steps: 8000, learning_rate: 2e-5, fp16: true }, "id-noisy");
  db.config("other", { max_steps: 8000, learning_rate: 1e-4 }, "id-other");
  db.alert({
    run: "noisy",
    runId: "id-noisy",
    timestamp: "2026-04-02T00:10:00+00:00",
    title: "spike",
    level: "warn",
    step: 1000,
  });
  db.systemMetrics("noisy", "2026-04-02T00:00:00+00:00", { "gpu/0/util": 97, "gpu/0/temp": NaN }, "id-noisy");
  db.close();
  // Without the quoted name, so that log thinning runs on the server.
  const clean = new TrackioDb(join(dir, "clean.db"), "pre-runid");
  clean.log("noisy", longRun(3000, 5, Date.UTC(2026, 3, 1, 23, 50), false));
  clean.close();
}

async function outcome(ctx: ToolContext, tool: string, args: Record<string, unknown>) {
  try {
    const out = await invokeTool(findTool(tool)!, args, ctx);
    return { result: JSON.parse(toJson(out.result)), notices: out.notices };
  } catch (error) {
    if (!(error instanceof TrackioCliError)) throw error;
    return { error: error.code, message: error.message.replace(ctx.source.place, "<place>") };
  }
}

const run = { project: "long", run: "noisy" };
const CALLS: [string, Record<string, unknown>][] = [
  ["get_runs_for_project", { project: "long" }],
  ["get_run_summary", { project: "long", run: "twin" }],
  ["get_run_summary", { project: "long", run_id: "id-twin-old" }],
  ["get_metrics_for_run", run],
  ["get_run_summary", run],
  ["get_project_summary", { project: "long" }],
  ...[4, 10, 50, 201, 2000, 3100, 5000].map((n): [string, Record<string, unknown>] => [
    "get_metric_values",
    { ...run, metric: "train/loss", max_points: n },
  ]),
  ["get_metric_values", { ...run, metric: "train/loss" }],
  ["get_metric_values", { ...run, metric: "eval/loss", max_points: 8 }],
  ["get_metric_values", { ...run, metric: "train/loss", around_step: 1000, window: 30 }],
  ["get_metric_values", { ...run, metric: "train/loss", step: 600 }],
  ["get_metric_values", { ...run, metric: "train/loss", since_step: 5900 }],
  ["get_metric_values", { ...run, metric: "train/loss", at_time: "2026-04-02T00:00:00+00:00", window: 20 }],
  ["get_metric_values", { ...run, metric: "train/loss", around_step: 3000, window: 500, max_points: 20 }],
  ["get_metric_values", { ...run, metric: "ünï/côde", max_points: 30 }],
  ["get_metric_values", { ...run, metric: "train/los" }],
  ...[3, 7, 40, 100, 3000, 9000].map((
    n,
  ): [string, Record<string, unknown>] => ["get_logs", { ...run, max_rows: n }]),
  ["get_snapshot", run],
  // Rows sit exactly on both edges of this window (rows come every half second from 23:50).
  ["get_metric_values", {
    ...run,
    metric: "train/loss",
    at_time: "2026-04-01T23:50:10.000+00:00",
    window: 2,
  }],
  ["get_snapshot", { ...run, at_time: "2026-04-01T23:50:10.000+00:00", window: 2 }],
  ["analyze_run", { ...run, train_metric: QUOTED }],
  ["compare_runs", { project: "long", metric: QUOTED }],
  ["get_snapshot", { ...run, around_step: 1000, window: 4 }],
  ["get_snapshot", { ...run, at_time: "2026-04-01T23:59:59+00:00", window: 2 }],
  ["get_alerts", { project: "long" }],
  ["get_alerts", { project: "long", since: "2026-04-02T00:00:00+00:00" }],
  ["get_system_logs", run],
  ["get_system_metrics_for_run", run],
  ["analyze_run", run],
  ["analyze_run", { project: "long", all: true }],
  ["compare_runs", { project: "long" }],
  ["compare_runs", { project: "long", metric: "train/loss", align: "min" }],
  ["query", {
    project: "long",
    sql: "SELECT run_name, COUNT(*) AS n, MAX(step) AS last FROM metrics GROUP BY run_name",
  }],
  ["query", { project: "long", sql: "SELECT id, metrics FROM metrics ORDER BY id LIMIT 3" }],
  ["query", { project: "long", sql: "SELECT step FROM metrics ORDER BY id", max_rows: 10_005 }],
  ["query", { project: "long", sql: "PRAGMA table_info(metrics)" }],
  ["query", { project: "long", sql: "VALUES (1, 'a'), (2, 'b')" }],
  ["query", { project: "long", sql: "SELECT nope FROM metrics" }],
  ["query", { project: "long", sql: "DELETE FROM metrics" }],
];

Deno.test("remote: downsampling, thinning, windows, analysis, comparison and SQL equal the local reader", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-remote-eq-" });
  writeProject(dir);
  const { server, ctx: wide } = serveDir(dir);
  // Pages of a few dozen rows: the runs are read in many pages, several asked for at once.
  const narrow: ToolContext = { source: remoteSource(server.url, undefined, { values: 97, rows: 31 }) };
  const local = localContext({ path: dir, source: "--dir" });
  try {
    for (const ctx of [wide, narrow]) {
      const cleanCalls = CALLS.filter(([, a]) => a.project === "long").map((
        [t, a],
      ): [string, Record<string, unknown>] => [
        t,
        { ...a, project: "clean" },
      ]);
      for (const [tool, args] of [...CALLS, ...cleanCalls]) {
        const label = `${tool}(${JSON.stringify(args)})`;
        const there = await outcome(ctx, tool, args);
        const here = await outcome(local, tool, args);
        if ("error" in here && here.error === "usage" && tool === "query") {
          assert.equal(there.error, here.error, label); // SQLite's own words differ between versions
          continue;
        }
        assert.deepStrictEqual(there, here, label);
        const def = findTool(tool)!;
        if (def.jsonText && !("error" in here)) {
          const parsed = parseToolArgs(def, args);
          assert.equal(
            await def.jsonText(parsed, ctx),
            await def.jsonText(parsed, local),
            `${label} (JSON text)`,
          );
        }
      }
    }
  } finally {
    await server.close();
  }
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("remote: a metric name no JSON path can spell is read through Trackio's endpoint, and says so", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-remote-quoted-" });
  writeProject(dir);
  const { server, ctx } = serveDir(dir);
  const local = localContext({ path: dir, source: "--dir" });
  try {
    const args = { ...run, metric: QUOTED };
    const there = await outcome(ctx, "get_metric_values", args);
    const here = await outcome(local, "get_metric_values", args);
    assert.deepStrictEqual(there.result, here.result);
    assert.match(there.notices![0], /quote or backslash .* NaN and infinities come back as null/);
    const names = await outcome(ctx, "get_metrics_for_run", run);
    assert.deepStrictEqual(names, await outcome(local, "get_metrics_for_run", run));
  } finally {
    await server.close();
  }
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("remote: a source that listed a project before sees runs added and deleted since", async () => {
  const dir = Deno.makeTempDirSync();
  const path = join(dir, "grow.db");
  const log = (from: number, to: number) => {
    const db = new TrackioDb(path, "head", from === 0);
    for (let r = from; r < to; r++) {
      db.log(
        `run-${String(r).padStart(3, "0")}`,
        longRun(3, r, Date.UTC(2026, 0, 1) + r * 60_000, false),
        `id-${r}`,
      );
    }
    db.close();
  };
  log(0, 2);
  // One source across questions, as the MCP server keeps it: its second listing seeks one run more.
  const { server, ctx } = serveDir(dir);
  const local = localContext({ path: dir, source: "--dir" });
  const runs = findTool("get_runs_for_project")!;
  const same = async (label: string) =>
    assert.deepEqual(
      await invokeTool(runs, { project: "grow" }, ctx),
      await invokeTool(runs, { project: "grow" }, local),
      label,
    );
  try {
    await same("2 runs");
    log(2, 3);
    await same("a run added");
    log(3, 60);
    await same("57 more");
    const db = new TrackioDb(path, "head", false);
    db.db.exec("DELETE FROM metrics WHERE run_id NOT IN ('id-0', 'id-1')");
    db.close();
    await same("all but two deleted");
  } finally {
    await server.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("remote: a project's runs are listed as locally, with few runs (sought) and with many (read whole)", async () => {
  for (const [generation, count] of [["head", 3], ["head", 60], ["pre-runid", 60]] as const) {
    const dir = Deno.makeTempDirSync();
    const db = new TrackioDb(join(dir, "many.db"), generation);
    // Ids not in the order the runs started, and two runs sharing a name.
    for (let r = 0; r < count; r++) {
      const name = r === 5 ? "run-001" : `run-${String(r).padStart(3, "0")}`;
      db.log(
        name,
        longRun(3, r, Date.UTC(2026, 0, 1) + ((r * 7919) % count) * 60_000, false),
        `id-${(r * 31) % 97}`,
      );
    }
    db.close();
    const { server, ctx } = serveDir(dir);
    try {
      const args = { project: "many" };
      const runs = findTool("get_runs_for_project")!;
      assert.deepEqual(
        await invokeTool(runs, args, ctx),
        await invokeTool(runs, args, localContext({ path: dir, source: "--dir" })),
      );
    } finally {
      await server.close();
      Deno.removeSync(dir, { recursive: true });
    }
  }
});
