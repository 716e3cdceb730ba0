/**
 * The cases the real fixtures do not cover, written in Trackio's exact format: shared run names,
 * non-numeric values, out-of-order steps, sparse metrics, Unicode and `/` in names, runs without
 * metrics, midnight-crossing time windows, upgraded files, alerts and system metrics.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { TrackioCliError } from "../src/errors.ts";
import { call, result } from "./helpers/invoke.ts";
import { lossRows, TrackioDb } from "./helpers/trackio_db.ts";

const ts = (iso: string) => iso.replace("Z", "+00:00");

function tempDir(): string {
  return Deno.makeTempDirSync({ prefix: "trackio-edge-" });
}

async function rejectsNotFound(p: Promise<unknown>, pattern: RegExp) {
  await assert.rejects(
    p,
    (e: unknown) => e instanceof TrackioCliError && e.code === "not_found" && pattern.test(e.message),
  );
}

Deno.test("a name shared by several runs resolves to the most recent; run_id picks any", async () => {
  const dir = tempDir();
  const db = new TrackioDb(join(dir, "p.db"), "head");
  db.log("retry", [{ step: 0, metrics: { loss: 5 }, timestamp: ts("2026-01-01T00:00:00Z") }], "aaa");
  db.log("retry", [{ step: 0, metrics: { loss: 1 }, timestamp: ts("2026-01-02T00:00:00Z") }], "bbb");
  db.log("other", [{ step: 0, metrics: { loss: 3 }, timestamp: ts("2026-01-01T12:00:00Z") }], "ccc");
  db.close();
  assert.deepEqual(await result(dir, "get_runs_for_project", { project: "p" }), [
    { id: "aaa", name: "retry", created_at: "2026-01-01T00:00:00+00:00" },
    { id: "ccc", name: "other", created_at: "2026-01-01T12:00:00+00:00" },
    { id: "bbb", name: "retry", created_at: "2026-01-02T00:00:00+00:00" },
  ]);
  const latest = await result(dir, "get_metric_values", { project: "p", run: "retry", metric_name: "loss" });
  assert.deepEqual((latest as { value: number }[]).map((p) => p.value), [1]);
  const older = await result(dir, "get_metric_values", { project: "p", run_id: "aaa", metric_name: "loss" });
  assert.deepEqual((older as { value: number }[]).map((p) => p.value), [5]);
  const byIdAsName = await result(dir, "get_run_summary", { project: "p", run: "aaa" });
  assert.equal((byIdAsName as { run: string }).run, "retry");
  await rejectsNotFound(
    call(dir, "get_run_summary", { project: "p", run: "other", run_id: "aaa" }),
    /is run 'retry'/,
  );
  await rejectsNotFound(
    call(dir, "get_run_summary", { project: "p", run_id: "zzz" }),
    /run id 'zzz' not found/,
  );
});

Deno.test("non-numeric values come back as stored; only top-level non-finite strings become numbers", async () => {
  const dir = tempDir();
  const db = new TrackioDb(join(dir, "p.db"), "pre-runid");
  const histogram = { _type: "trackio.histogram", bins: [0, 1, 2], values: [3, 4] };
  db.log("r", [
    {
      step: 0,
      metrics: { note: "warmup", flag: true, hist: histogram, nested: { a: "NaN" }, loss: NaN },
      timestamp: ts("2026-01-01T00:00:00Z"),
    },
    {
      step: 1,
      metrics: { note: "main", flag: false, loss: -Infinity, list: [1, 2] },
      timestamp: ts("2026-01-01T00:00:01Z"),
    },
  ]);
  db.close();
  const values = async (metric: string) =>
    ((await result(dir, "get_metric_values", { project: "p", run: "r", metric_name: metric })) as {
      value: unknown;
    }[]).map((p) => p.value);
  assert.deepEqual(await values("note"), ["warmup", "main"]);
  assert.deepEqual(await values("flag"), [true, false]);
  assert.deepEqual(await values("hist"), [histogram]);
  assert.deepEqual(await values("nested"), [{ a: "NaN" }]);
  assert.deepEqual(await values("loss"), ["NaN", "-Infinity"]);
  assert.deepEqual(await values("list"), [[1, 2]]);
  const snapshot = await result(dir, "get_snapshot", { project: "p", run: "r", step: 0 }) as Record<
    string,
    unknown[]
  >;
  assert.deepEqual(Object.keys(snapshot), ["note", "flag", "hist", "nested", "loss"]);
});

Deno.test("rows come ordered by timestamp even when steps are not; sparse metrics only where logged", async () => {
  const dir = tempDir();
  const db = new TrackioDb(join(dir, "p.db"), "head");
  db.log("r", [
    { step: 10, metrics: { loss: 1 }, timestamp: ts("2026-01-01T00:00:02Z") },
    { step: 5, metrics: { loss: 2, "eval/acc": 0.5 }, timestamp: ts("2026-01-01T00:00:01Z") },
    { step: 7, metrics: { loss: 3 }, timestamp: ts("2026-01-01T00:00:01Z") },
    { step: 20, metrics: { loss: 4 }, timestamp: ts("2026-01-01T00:00:03Z") },
  ]);
  db.close();
  const loss = await result(dir, "get_metric_values", { project: "p", run: "r", metric_name: "loss" }) as {
    step: number;
  }[];
  assert.deepEqual(loss.map((p) => p.step), [5, 7, 10, 20]);
  const acc = await result(dir, "get_metric_values", { project: "p", run: "r", metric_name: "eval/acc" }) as {
    step: number;
  }[];
  assert.deepEqual(acc.map((p) => p.step), [5]);
  const since = await result(dir, "get_metric_values", {
    project: "p",
    run: "r",
    metric_name: "loss",
    since_step: 7,
  }) as { step: number }[];
  assert.deepEqual(since.map((p) => p.step), [10, 20]);
});

Deno.test("Unicode, slashes, dots and quotes in run and metric names", async () => {
  const dir = tempDir();
  const db = new TrackioDb(join(dir, "p.db"), "head");
  const metrics = { "损失/train": 1.5, 'say "hi"': 2, "a.b[0]": 3, "back\\slash": 4 };
  db.log("实验/α β", [{ step: 1, metrics, timestamp: ts("2026-01-01T00:00:00Z") }]);
  db.close();
  assert.deepEqual(
    await result(dir, "get_metrics_for_run", { project: "p", run: "实验/α β" }),
    Object.keys(metrics).sort(),
  );
  for (const [name, value] of Object.entries(metrics)) {
    const points = await result(dir, "get_metric_values", {
      project: "p",
      run: "实验/α β",
      metric_name: name,
    }) as { value: number }[];
    assert.deepEqual(points.map((p) => p.value), [value], name);
  }
});

Deno.test("a run with only alerts is not listed, but answers as Trackio does; one with only a config is not found", async () => {
  const dir = tempDir();
  const db = new TrackioDb(join(dir, "p.db"), "head");
  db.log("real", lossRows(2));
  db.config("ghost", { lr: 1 });
  db.alert({ run: "ghost", timestamp: ts("2026-01-01T00:00:00Z"), title: "hello", level: "info" });
  db.config("shadow", { lr: 2 });
  db.close();
  assert.deepEqual(
    (await result(dir, "get_runs_for_project", { project: "p" }) as { name: string }[]).map((r) => r.name),
    ["real"],
  );
  const summary = await result(dir, "get_run_summary", { project: "p", run: "ghost" }) as Record<
    string,
    unknown
  >;
  assert.deepEqual([summary.num_logs, summary.metrics, summary.config], [0, [], null]);
  await rejectsNotFound(
    call(dir, "get_run_summary", { project: "p", run: "shadow" }),
    /run 'shadow' not found/,
  );
  assert.equal((await result(dir, "get_alerts", { project: "p" }) as unknown[]).length, 1);
});

Deno.test("at_time compares instants, also across midnight and for naive v0.5 timestamps", async () => {
  const dir = tempDir();
  const utc = new TrackioDb(join(dir, "utc.db"), "head");
  utc.log("r", [
    { step: 1, metrics: { loss: 1 }, timestamp: "2026-03-01T23:59:30.000000+00:00" },
    { step: 2, metrics: { loss: 2 }, timestamp: "2026-03-01T23:59:50.500000+00:00" },
    { step: 3, metrics: { loss: 3 }, timestamp: "2026-03-02T00:00:10.000000+00:00" },
    { step: 4, metrics: { loss: 4 }, timestamp: "2026-03-02T00:01:00.000000+00:00" },
  ]);
  utc.close();
  const steps = async (project: string, at_time: string, window: number) =>
    (await result(dir, "get_metric_values", { project, run: "r", metric_name: "loss", at_time, window }) as {
      step: number;
    }[])
      .map((p) => p.step);
  assert.deepEqual(await steps("utc", "2026-03-02T00:00:00+00:00", 5), []);
  assert.deepEqual(await steps("utc", "2026-03-02T00:00:00+00:00", 10), [2, 3]);
  assert.deepEqual(await steps("utc", "2026-03-02T00:00:00+00:00", 30), [1, 2, 3]);
  assert.deepEqual(await steps("utc", "2026-03-01T23:59:50+00:00", 1), [2]);
  assert.deepEqual(await steps("utc", "2026-03-01T23:59:55+00:00", 4), []);
  const naive = new TrackioDb(join(dir, "naive.db"), "v0.5");
  naive.log("r", [
    { step: 1, metrics: { loss: 1 }, timestamp: "2025-10-06T23:59:55.910308" },
    { step: 2, metrics: { loss: 2 }, timestamp: "2025-10-07T00:00:05.910308" },
  ]);
  naive.close();
  assert.deepEqual(await steps("naive", "2025-10-07T00:00:00", 10), [1, 2]);
  assert.deepEqual(await steps("naive", "2025-10-07T00:00:00", 4), []);
  const snap = await result(dir, "get_snapshot", {
    project: "utc",
    run: "r",
    at_time: "2026-03-02T00:00:00+00:00",
    window: 15,
  });
  assert.deepEqual(Object.keys(snap as object), ["loss"]);
});

Deno.test("a v0.5 file a newer Trackio kept writing: metrics by name, alerts and system metrics by id", async () => {
  const dir = tempDir();
  const path = join(dir, "up.db");
  const old = new TrackioDb(path, "v0.5");
  old.log("r", lossRows(3));
  // What a newer Trackio adds to an existing file: its new tables (with run_id) and two columns.
  old.db.exec("ALTER TABLE metrics ADD COLUMN log_id TEXT; ALTER TABLE metrics ADD COLUMN space_id TEXT");
  old.db.exec(
    `CREATE TABLE alerts (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, timestamp TEXT NOT NULL,
    run_name TEXT NOT NULL, title TEXT NOT NULL, text TEXT, level TEXT NOT NULL DEFAULT 'warn', step INTEGER, alert_id TEXT)`,
  );
  old.db.exec(
    `CREATE TABLE system_metrics (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, timestamp TEXT NOT NULL,
    run_name TEXT NOT NULL, metrics TEXT NOT NULL, log_id TEXT, space_id TEXT)`,
  );
  old.alert({
    run: "r",
    runId: "uuid-1",
    timestamp: ts("2026-01-01T00:00:05Z"),
    title: "spike",
    level: "warn",
    step: 2,
  });
  old.systemMetrics("r", ts("2026-01-01T00:00:01Z"), { "gpu/0/util": 97 }, "uuid-1");
  old.log("r", [{ step: 3, metrics: { loss: 0.5 }, timestamp: ts("2026-01-01T00:00:03Z") }]);
  old.close();
  assert.deepEqual(
    (await result(dir, "get_runs_for_project", { project: "up" }) as { id: string }[]).map((r) => r.id),
    ["r"],
  );
  assert.equal(
    (await result(dir, "get_metric_values", { project: "up", run: "r", metric_name: "loss" }) as unknown[])
      .length,
    4,
  );
  assert.deepEqual(await result(dir, "get_alerts", { project: "up", run: "r" }), [
    { timestamp: "2026-01-01T00:00:05+00:00", run: "r", title: "spike", text: null, level: "warn", step: 2 },
  ]);
  assert.deepEqual(await result(dir, "get_system_metrics_for_run", { project: "up", run: "r" }), [
    "gpu/0/util",
  ]);
  const doctor = await result(dir, "doctor", {}) as { projects: { generation: string }[] };
  assert.equal(doctor.projects[0].generation, "upgraded");
});

Deno.test("alerts: newest first, by level, since a time, and for a shared name the run get_metric_values means", async () => {
  const dir = tempDir();
  const db = new TrackioDb(join(dir, "p.db"), "head");
  db.log("job", lossRows(2, Date.UTC(2026, 0, 1)), "old");
  db.log("job", lossRows(2, Date.UTC(2026, 0, 2)), "new");
  db.alert({
    run: "job",
    runId: "old",
    timestamp: ts("2026-01-01T00:00:01Z"),
    title: "old warn",
    level: "warn",
  });
  db.alert({
    run: "job",
    runId: "new",
    timestamp: ts("2026-01-02T00:00:01Z"),
    title: "new info",
    level: "info",
    step: 1,
  });
  db.alert({
    run: "job",
    runId: "new",
    timestamp: ts("2026-01-02T00:00:02Z"),
    title: "new error",
    text: "loss is NaN",
    level: "error",
    step: 1,
  });
  db.systemMetrics("job", ts("2026-01-02T00:00:01Z"), { "gpu/0/memory": 70.5, "cpu/util": 12 }, "new");
  db.close();
  const titles = async (args: Record<string, unknown>) =>
    (await result(dir, "get_alerts", { project: "p", ...args }) as { title: string }[]).map((a) => a.title);
  assert.deepEqual(await titles({}), ["new error", "new info", "old warn"]);
  assert.deepEqual(await titles({ level: "warn" }), ["old warn"]);
  assert.deepEqual(await titles({ since: "2026-01-02T00:00:01.5+00:00" }), ["new error"]);
  assert.deepEqual(await titles({ run: "job" }), ["new error", "new info"]);
  assert.deepEqual(await titles({ run_id: "old" }), ["old warn"]);
  assert.deepEqual(await result(dir, "get_system_metrics_for_run", { project: "p", run: "job" }), [
    "cpu/util",
    "gpu/0/memory",
  ]);
  assert.deepEqual(await result(dir, "get_system_logs", { project: "p", run: "job" }), [
    { "gpu/0/memory": 70.5, "cpu/util": 12, timestamp: "2026-01-02T00:00:01+00:00" },
  ]);
  assert.deepEqual(await result(dir, "get_system_logs", { project: "p", run_id: "old" }), []);
});

Deno.test("max_points keeps the spike, the minimum, NaN and the last point, and says it downsampled", async () => {
  const dir = tempDir();
  const db = new TrackioDb(join(dir, "p.db"), "head");
  const rows = lossRows(5000);
  rows[1234].metrics.loss = 50;
  rows[3000].metrics.loss = NaN;
  rows[4200].metrics.loss = 0.001;
  db.log("r", rows);
  db.close();
  const out = await call(dir, "get_metric_values", {
    project: "p",
    run: "r",
    metric_name: "loss",
    max_points: 100,
  });
  const points = out.result as { step: number; value: number | string }[];
  assert.ok(points.length <= 100 && points.length > 50, `${points.length} points`);
  assert.ok(points.some((p) => p.value === 50));
  assert.ok(points.some((p) => p.value === "NaN"));
  assert.ok(points.some((p) => p.value === 0.001));
  assert.equal(points.at(-1)!.step, 4999);
  assert.equal(points[0].step, 0);
  assert.match(out.notices[0], /downsampled 5000 points to \d+/);
  const small = await call(dir, "get_metric_values", {
    project: "p",
    run: "r",
    metric_name: "loss",
    max_points: 10000,
  });
  assert.equal((small.result as unknown[]).length, 5000);
  assert.deepEqual(small.notices, []);
  const logs = await call(dir, "get_logs", { project: "p", run: "r", max_rows: 200 });
  const logRows = logs.result as Record<string, unknown>[];
  assert.ok(logRows.length <= 200, `${logRows.length} rows`);
  assert.ok(logRows.some((r) => r.loss === 50) && logRows.some((r) => r.loss === "NaN"));
  assert.match(logs.notices[0], /thinned 5000 rows/);
});
