/**
 * The SQL the remote source sends runs on the SQLite Trackio's Spaces run (3.40, Python's sqlite3 on
 * this machine) under Trackio's query authorizer, and answers there exactly as the HTTP double
 * answers it: the queries of every kind of read are captured on their way out and replayed in Python.
 */
import assert from "node:assert/strict";
import { findTool } from "../src/tools/index.ts";
import { invokeTool } from "../src/tools/invoke.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { remoteSource, serveDir } from "./helpers/remote.ts";
import type { ToolContext } from "../src/tools/registry.ts";
import { handleTrackioRequest } from "./helpers/trackio_server.ts";
import { TrackioDb } from "./helpers/trackio_db.ts";
import { join } from "node:path";
import { RunCache } from "../src/tools/run_cache.ts";

/** Trackio's `_query_authorizer`: reads, functions and the schema pragmas, nothing else. */
const PYTHON = `
import json, sqlite3, sys
RO = {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo"}
def auth(code, a1, a2, db, src):
    if code in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION): return sqlite3.SQLITE_OK
    if code == sqlite3.SQLITE_PRAGMA and (a1 or "").lower() in RO: return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY
out = []
for line in sys.stdin:
    q = json.loads(line)
    db = sqlite3.connect(f"file:{sys.argv[1]}/{q['project']}.db?mode=ro", uri=True)
    db.set_authorizer(auth)
    cur = db.execute(q["query"].strip().rstrip(";").strip())
    cols = [c[0] for c in cur.description]
    rows = []
    for r in cur.fetchall():
        row = {}
        for c, v in zip(cols, r):
            if c not in row: row[c] = v.hex() if isinstance(v, bytes) else v
        rows.append(row)
    out.append(rows)
print(json.dumps({"version": sqlite3.sqlite_version, "rows": out}))
`;

const run = { project: "sft-qwen", run: "nan-blowup" };
const CALLS: [string, Record<string, unknown>][] = [
  ["get_runs_for_project", { project: "sft-qwen" }],
  ["get_metrics_for_run", run],
  ["get_run_summary", run],
  ["get_metric_values", { ...run, metric: "train/loss" }],
  ["get_metric_values", { ...run, metric: "train/loss", max_points: 20 }],
  ["get_metric_values", { ...run, metric: "train/loss", at_time: "2026-08-24T11:30:00+00:00", window: 600 }],
  ["get_metric_values", { ...run, metric: "eval/loss", around_step: 600, window: 100 }],
  ["get_logs", { ...run, max_rows: 10 }],
  ["get_logs", { ...run, max_rows: 3 }],
  ["get_snapshot", run],
  ["get_alerts", { project: "sft-qwen", since: "2026-08-24T11:30:00+00:00" }],
  ["get_system_logs", run],
  ["analyze_run", run],
  ["compare_runs", { project: "sft-qwen" }],
  ["query", { project: "sft-qwen", sql: "SELECT id, metrics FROM metrics ORDER BY id LIMIT 2" }],
  // More metrics than SQLite 3.40 takes arguments in one function call (127).
  ["get_metrics_for_run", { project: "wide", run: "layers" }],
  ["get_logs", { project: "wide", run: "layers", max_rows: 20 }],
  ["analyze_run", { project: "wide", run: "layers" }],
];

const CACHED_CALLS: [string, Record<string, unknown>][] = [
  ["analyze_run", {}],
  ["get_run_summary", {}],
  ["get_metric_values", { metric: "train/loss", max_points: 8 }],
];

/** Rows logging 140 metrics, as per-layer statistics do. */
const wideRows = (from: number, n: number) =>
  Array.from({ length: n }, (_, j) => {
    const i = from + j;
    return {
      step: i,
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace("Z", "+00:00"),
      metrics: Object.fromEntries([
        ["train/loss", 2 / (1 + i * 0.1)],
        ...Array.from({ length: 139 }, (_, k) => [`layer${k}/grad_norm`, (i * 7 + k) % 13]),
      ]),
    };
  });

function writeWide(dir: string): void {
  const db = new TrackioDb(join(dir, "wide.db"), "head");
  db.log("layers", wideRows(0, 60), "id-layers");
  db.close();
}

Deno.test("the remote source's SQL runs on SQLite 3.40 under Trackio's authorizer with the double's answers", async () => {
  const dir = fixtureDir("head");
  writeWide(dir);
  const { server } = serveDir(dir);
  // Small pages: long reads go by many pages, their ends found by chains of seeks.
  const ctx: ToolContext = { source: remoteSource(server.url, undefined, { values: 16, rows: 8 }) };
  const sent: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    if (body?.query) sent.push(JSON.stringify({ project: body.project, query: body.query }));
    return realFetch(input, init);
  };
  try {
    for (const [tool, args] of CALLS) await invokeTool(findTool(tool)!, args, ctx);
    // A cache's checks, its reads of new rows only, and the ranges it extends a summary with.
    const cached = { ...ctx, cache: new RunCache() };
    const wide = { project: "wide", run: "layers" };
    const again = async () => {
      for (const [tool, args] of CACHED_CALLS) {
        await invokeTool(findTool(tool)!, { ...wide, ...args }, cached);
      }
    };
    await again();
    await again();
    const db = new TrackioDb(join(dir, "wide.db"), "head", false);
    db.log("layers", wideRows(60, 10), "id-layers");
    db.close();
    await again();
    assert.ok(cached.cache.counts.grown >= 2 && cached.cache.counts.unchanged >= 3);
  } finally {
    globalThis.fetch = realFetch;
    await server.close();
  }
  assert.ok(sent.length > 30, `${sent.length} queries captured`);
  const python = new Deno.Command("python3", {
    args: ["-c", PYTHON, dir],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const writer = python.stdin.getWriter();
  await writer.write(new TextEncoder().encode(sent.join("\n") + "\n"));
  await writer.close();
  const out = await python.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const real = JSON.parse(new TextDecoder().decode(out.stdout)) as { version: string; rows: unknown[] };
  sent.forEach((line, i) => {
    const answer = handleTrackioRequest(dir, "POST", "/api/query_project", new TextEncoder().encode(line));
    assert.equal(answer.status, 200, line);
    assert.deepStrictEqual(
      real.rows[i],
      JSON.parse(answer.body).data.rows,
      `SQLite ${real.version}: ${line}`,
    );
  });
  Deno.removeSync(dir, { recursive: true });
});
