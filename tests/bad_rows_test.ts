/**
 * One damaged run must not sink a project: rows whose metrics are not a JSON object (a crash mid-write,
 * other code) are skipped with a notice naming them, other runs read as if nothing happened, and both
 * sources say the same.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { TrackioCliError } from "../src/errors.ts";
import { toJson } from "../src/json.ts";
import { findTool } from "../src/tools/index.ts";
import { invokeTool } from "../src/tools/invoke.ts";
import { localContext, type ToolContext } from "../src/tools/registry.ts";
import { RunCache } from "../src/tools/run_cache.ts";
import { runCli } from "./helpers/cli.ts";
import { remoteSource, serveDir } from "./helpers/remote.ts";
import { lossRows, TrackioDb } from "./helpers/trackio_db.ts";

const BAD_STEPS = [3, 7, 11, 20, 30];

function damagedProject(nonObject = false, truncated = true): string {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-bad-rows-" });
  const db = new TrackioDb(join(dir, "p.db"), "head");
  db.log("good", lossRows(50), "good");
  db.log("bad", lossRows(50), "bad");
  if (truncated) {
    db.db.exec(
      `UPDATE metrics SET metrics = CAST('{"loss": 1,' AS BLOB) WHERE run_id = 'bad' AND step IN (${BAD_STEPS})`,
    );
  }
  if (nonObject) {
    db.db.exec(`UPDATE metrics SET metrics = CAST('[1, 2]' AS BLOB) WHERE run_id = 'bad' AND step = 40`);
  }
  db.close();
  return dir;
}

const NOTICE =
  /run 'bad': skipped 5 rows whose metrics are not a JSON object \(metrics rows 54, 58, 62, 71, 81\)/;

async function outcome(ctx: ToolContext, tool: string, args: Record<string, unknown>) {
  try {
    const out = await invokeTool(findTool(tool)!, args, ctx);
    return { result: JSON.parse(toJson(out.result)), notices: out.notices };
  } catch (error) {
    if (!(error instanceof TrackioCliError)) throw error;
    return { error: error.code, message: error.message };
  }
}

const CALLS: [string, Record<string, unknown>][] = [
  ["get_metrics_for_run", { project: "p", run: "bad" }],
  ["get_metric_values", { project: "p", run: "bad", metric: "loss" }],
  ["get_metric_values", { project: "p", run: "bad", metric: "loss", max_points: 10 }],
  ["get_run_summary", { project: "p", run: "bad" }],
  ["get_logs", { project: "p", run: "bad" }],
  ["analyze_run", { project: "p", all: true }],
  ["compare_runs", { project: "p" }],
  ["get_metric_values", { project: "p", run: "good", metric: "loss" }],
];

Deno.test("bad rows: skipped with a notice naming them; the other run is untouched; CLI exit 0", async () => {
  const dir = damagedProject();
  const ctx = localContext({ path: dir, source: "--dir" });
  try {
    for (const [tool, args] of CALLS) {
      const out = await outcome(ctx, tool, args);
      assert.ok(!("error" in out), `${tool}: ${JSON.stringify(out)}`);
      const damaged = args.run !== "good";
      assert.equal(
        out.notices!.some((n: string) => NOTICE.test(n)),
        damaged,
        `${tool}(${JSON.stringify(args)})`,
      );
    }
    const values = await outcome(ctx, "get_metric_values", { project: "p", run: "bad", metric: "loss" });
    assert.deepStrictEqual(
      values.result.map((p: { step: number }) => p.step),
      [...Array(50).keys()].filter((s) => !BAD_STEPS.includes(s)),
    );
    for (
      const argv of [
        ["values", "-r", "bad", "-m", "loss", "--json"],
        ["values", "-r", "bad", "-m", "loss", "--plot"],
        ["values", "-r", "bad", "-m", "loss", "--format", "ndjson"],
        ["analyze", "--all"],
        ["compare"],
        [
          "logs",
          "-r",
          "bad",
        ],
      ]
    ) {
      const out = await runCli([argv[0], "-p", "p", ...argv.slice(1), "--dir", dir]);
      assert.equal(out.code, 0, `${argv}: ${out.stderr}`);
      assert.match(out.stderr, NOTICE, argv.join(" "));
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("bad rows: a row that is valid JSON but not an object is skipped too", async () => {
  const dir = damagedProject(true);
  try {
    const out = await outcome(localContext({ path: dir, source: "--dir" }), "analyze_run", {
      project: "p",
      run: "bad",
    });
    assert.ok(!("error" in out));
    assert.match(out.notices!.join("\n"), /skipped 6 rows .*54, 58, 62, 71, 81, 91\)/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("bad rows: a Trackio server answers the same, with the same notices", async () => {
  const dir = damagedProject();
  const { server, ctx } = serveDir(dir);
  const local = localContext({ path: dir, source: "--dir" });
  try {
    // Each call opens the project afresh, so each finds the bad rows by itself.
    for (const [tool, args] of CALLS) {
      const there = await outcome(ctx, tool, args);
      assert.ok(!("error" in there), `${tool}: ${JSON.stringify(there)}`);
      assert.deepStrictEqual(there, await outcome(local, tool, args), tool);
    }
  } finally {
    await server.close();
  }
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("doctor finds the bad rows and says which, locally and on a server", async () => {
  const dir = damagedProject();
  const { server, ctx } = serveDir(dir);
  try {
    const out = await runCli(["doctor", "--dir", dir]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /p\s+current.*5 bad rows/);
    assert.match(
      out.stdout,
      /problem: project 'p', run 'bad': 5 metrics rows not a JSON object \(54, 58, 62, 71, 81\): reads skip them/,
    );
    assert.doesNotMatch(out.stdout, /no problems found/);
    for (const source of [localContext({ path: dir, source: "--dir" }), ctx]) {
      const report = (await outcome(source, "doctor", {})).result;
      assert.equal(report.projects[0].bad_rows, 5);
      assert.equal(
        report.problems.filter((p: string) => /5 metrics rows not a JSON object/.test(p)).length,
        1,
      );
    }
  } finally {
    await server.close();
  }
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("bad rows: a row that is JSON but not an object, and bad rows read in several pages at once, on a server", async () => {
  const dir = damagedProject(true);
  // Only a row that is valid JSON but an array: SQLite raises nothing for it.
  const arrayOnly = damagedProject(true, false);
  const { server } = serveDir(dir);
  const { server: arrayServer, ctx: arrayCtx } = serveDir(arrayOnly);
  const local = localContext({ path: dir, source: "--dir" });
  const arrayLocal = localContext({ path: arrayOnly, source: "--dir" });
  try {
    for (const [tool, args] of CALLS) {
      const there = await outcome(arrayCtx, tool, args);
      assert.ok(!("error" in there), `${tool} (array row): ${JSON.stringify(there)}`);
      assert.deepStrictEqual(there, await outcome(arrayLocal, tool, args), `${tool} (array row)`);
    }
    const names = await outcome(arrayLocal, "get_metrics_for_run", { project: "p", run: "bad" });
    assert.deepStrictEqual(names.result, ["loss"], "no keys of an array row taken for metric names");
    // Pages of 10 rows, several asked for at once: the bad rows fail pages that are in flight together.
    const narrow: ToolContext = { source: remoteSource(server.url, undefined, { values: 10, rows: 10 }) };
    for (const [tool, args] of CALLS) {
      const there = await outcome(narrow, tool, args);
      assert.ok(!("error" in there), `${tool}: ${JSON.stringify(there)}`);
      assert.deepStrictEqual(there, await outcome(local, tool, args), tool);
      assert.ok(there.notices!.filter((n: string) => /skipped/.test(n)).length <= 1, `${tool}: one notice`);
    }
  } finally {
    await server.close();
    await arrayServer.close();
  }
  Deno.removeSync(dir, { recursive: true });
  Deno.removeSync(arrayOnly, { recursive: true });
});

Deno.test("bad rows: a run that ends in a truncated row (a crash mid-write) is read to its last good row and kept by the cache, on both sources", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-bad-rows-" });
  const db = new TrackioDb(join(dir, "p.db"), "head");
  db.log("crashed", lossRows(60), "crashed");
  db.db.exec(
    "UPDATE metrics SET metrics = CAST('{\"loss\": 0.' AS BLOB) WHERE id = (SELECT MAX(id) FROM metrics)",
  );
  db.close();
  const { server } = serveDir(dir);
  try {
    const contexts: [string, ToolContext][] = [
      ["local", localContext({ path: dir, source: "--dir" })],
      ["remote", { source: remoteSource(server.url, undefined, { values: 7, rows: 7 }) }],
    ];
    const answers = [];
    for (const [name, ctx] of contexts) {
      // As `watch` keeps them: a repeat would not say the notice again, so the MCP server does not.
      const cache = new RunCache(undefined, true);
      const cached = { ...ctx, cache };
      const first = await outcome(cached, "analyze_run", { project: "p", run: "crashed" });
      const again = await outcome(cached, "analyze_run", { project: "p", run: "crashed" });
      assert.deepStrictEqual(again, first, name);
      assert.ok(first.notices!.some((n: string) => /skipped 1 row/.test(n)), name);
      assert.deepStrictEqual(
        { fresh: cache.counts.fresh, unchanged: cache.counts.unchanged },
        { fresh: 1, unchanged: 1 },
        `${name}: the second question is answered from the cache`,
      );
      answers.push(first);
    }
    assert.deepStrictEqual(answers[1], answers[0]);
  } finally {
    await server.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
