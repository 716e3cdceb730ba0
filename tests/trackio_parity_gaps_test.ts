/**
 * Where Trackio answers and trackio-cli did not: get_logs' scalar_only (held to the recorded answers of
 * Trackio's server), and runs that crashed before their first log (only system metrics or alerts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { call } from "./helpers/invoke.ts";
import { schemaOf, TrackioDb } from "./helpers/trackio_db.ts";
import { serveDir } from "./helpers/remote.ts";
import * as trackio from "./helpers/trackio_server_reads.ts";
import { toJson } from "../src/json.ts";
import { TrackioCliError } from "../src/errors.ts";
import { findTool } from "../src/tools/index.ts";
import { invokeTool } from "../src/tools/invoke.ts";
import { localContext } from "../src/tools/registry.ts";

const RECORDINGS = new URL("./fixtures/trackio-http/", import.meta.url).pathname;

interface Recorded {
  id: string;
  path: string;
  body: Record<string, unknown>;
  status: number;
  response: { data: Record<string, unknown>[] };
}

async function recorded(generation: string): Promise<Recorded[]> {
  const file = await Deno.open(join(RECORDINGS, `${generation}.jsonl.gz`));
  const text = await new Response(file.readable.pipeThrough(new DecompressionStream("gzip"))).text();
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

for (const generation of ["v0.5", "pre-runid", "head"] as const) {
  Deno.test(`get_logs scalar_only=true answers as Trackio's server recorded it (${generation})`, async () => {
    const dir = fixtureDir(generation);
    try {
      let compared = 0;
      for (const r of await recorded(generation)) {
        if (r.path !== "/api/get_logs" || r.status !== 200 || r.body.scalar_only !== true) continue;
        const got = await call(dir, "get_logs", r.body);
        const rows = got.result as unknown[];
        // Trackio subsamples long runs its own way; those are compared by length only.
        assert.equal(rows.length, r.response.data.length, r.id);
        if (got.notices.length === 0) {
          assert.deepStrictEqual(rows, r.response.data, r.id);
          compared++;
        }
      }
      assert.ok(compared >= 3, `only ${compared} recorded answers compared`);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}

/**
 * A run that crashed before its first log (only system metrics and an alert), and an upgraded file
 * (metrics keyed by name, the newer tables by run id): answered as the double of Trackio's server
 * answers (it is pinned to Trackio's recordings), by both sources.
 */
function sideTableProject(): string {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-side-runs-" });
  const db = new TrackioDb(join(dir, "crash.db"), "head");
  db.log("ok-run", [{ step: 1, timestamp: "2026-03-01T00:00:00+00:00", metrics: { loss: 1 } }], "id-ok");
  db.config("crashed", { learning_rate: 1e-4 }, "id-crashed");
  db.systemMetrics("crashed", "2026-03-01T00:01:00+00:00", { "gpu/0/util": 99 }, "id-crashed");
  db.alert({
    run: "crashed",
    runId: "id-crashed",
    timestamp: "2026-03-01T00:02:00+00:00",
    title: "OOM",
    level: "error",
  });
  db.close();
  // v0.5's metrics and configs, with the tables a newer Trackio added, which carry run ids.
  const hybrid = new TrackioDb(join(dir, "hybrid.db"), "v0.5");
  for (const sql of schemaOf("head").filter((s) => /CREATE TABLE (alerts|system_metrics)\b/.test(s))) {
    hybrid.db.exec(sql);
  }
  hybrid.log("old-run", [{ step: 1, timestamp: "2026-03-01T00:00:00", metrics: { loss: 1 } }]);
  hybrid.systemMetrics("old-run", "2026-03-01T00:01:00+00:00", { "cpu/util": 50 }, "id-new");
  hybrid.alert({
    run: "old-run",
    runId: "id-new",
    timestamp: "2026-03-01T00:02:00+00:00",
    title: "slow",
    level: "warn",
  });
  hybrid.close();
  return dir;
}

Deno.test("a run known only to system metrics and alerts, and run ids of an upgraded file: as Trackio answers", async () => {
  const dir = sideTableProject();
  const { server, ctx: remote } = serveDir(dir);
  const local = localContext({ path: dir, source: "--dir" });
  try {
    const cases: [string, Record<string, unknown>, unknown][] = [
      [
        "get_run_summary",
        { project: "crash", run: "crashed" },
        trackio.getRunSummary(dir, "crash", "crashed", null),
      ],
      [
        "get_metrics_for_run",
        { project: "crash", run: "crashed" },
        trackio.getMetricsForRun(dir, "crash", "crashed", null),
      ],
      [
        "get_system_metrics_for_run",
        { project: "crash", run: "crashed" },
        trackio.getSystemMetricsForRun(dir, "crash", "crashed", null),
      ],
      [
        "get_system_logs",
        { project: "crash", run_id: "id-crashed" },
        trackio.getSystemLogs(dir, "crash", null, "id-crashed"),
      ],
      [
        "get_alerts",
        { project: "crash", run: "crashed" },
        trackio.getAlerts(dir, "crash", "crashed", null, null, null),
      ],
      [
        "get_system_metrics_for_run",
        { project: "hybrid", run_id: "id-new" },
        trackio.getSystemMetricsForRun(dir, "hybrid", null, "id-new"),
      ],
      [
        "get_alerts",
        { project: "hybrid", run_id: "id-new" },
        trackio.getAlerts(dir, "hybrid", null, "id-new", null, null),
      ],
    ];
    for (const [tool, args, expected] of cases) {
      if (tool !== "get_metrics_for_run") {
        assert.notDeepStrictEqual(expected, [], `${tool}: the reference found it`);
      }
      for (const ctx of [local, remote]) {
        const out = await invokeTool(findTool(tool)!, args, ctx);
        assert.deepStrictEqual(
          JSON.parse(toJson(out.result)),
          JSON.parse(JSON.stringify(expected)),
          `${tool}(${JSON.stringify(args)})`,
        );
      }
    }
    // A run no table knows is still not found; a name and an id that disagree are not matched by the id alone.
    await assert.rejects(() =>
      invokeTool(findTool("get_run_summary")!, { project: "crash", run: "nope" }, local)
    );
    for (const ctx of [local, remote]) {
      await assert.rejects(
        () =>
          invokeTool(
            findTool("get_run_summary")!,
            { project: "crash", run: "ok-run", run_id: "id-crashed" },
            ctx,
          ),
        (e) => e instanceof TrackioCliError && e.code === "not_found",
      );
    }
  } finally {
    await server.close();
  }
  Deno.removeSync(dir, { recursive: true });
});
