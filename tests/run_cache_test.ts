/**
 * The run cache of long-lived processes (src/tools/run_cache.ts): after every kind of change a
 * Trackio project goes through (rows appended, a run deleted and logged again, renamed, the file
 * replaced, rewritten in place, vacuumed, another project's file put at the path), the answer from the
 * cache equals a fresh read's; a property test interleaves appends by a Trackio-format writer with
 * questions; the budget holds with least-recently-used eviction; and the MCP server answers from it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { LocalSource } from "../src/store/local_source.ts";
import { analyzeRunTool } from "../src/tools/analyze_run.ts";
import { compareRunsTool } from "../src/tools/compare_runs.ts";
import { getMetricValues } from "../src/tools/get_metric_values.ts";
import { getRunSummary } from "../src/tools/get_run_summary.ts";
import { invokeTool } from "../src/tools/invoke.ts";
import type { ToolContext } from "../src/tools/registry.ts";
import { RunCache } from "../src/tools/run_cache.ts";
import { type Generation, lossRows, TrackioDb } from "./helpers/trackio_db.ts";
import { stdioSession } from "./helpers/mcp.ts";
import { serveDir } from "./helpers/remote.ts";

const T0 = Date.UTC(2026, 0, 1);

/** The rows of a run logging loss and grad norm from `from`, one second and one step apart. */
function rows(from: number, n: number, shape = (s: number) => 2 / (1 + s * 0.01)) {
  return Array.from({ length: n }, (_, i) => {
    const step = from + i;
    return {
      step,
      metrics: { "train/loss": shape(step), "train/grad_norm": 1 + (step % 7) / 10 },
      timestamp: new Date(T0 + step * 1000).toISOString().replace("Z", "+00:00"),
    };
  });
}

/** An answer without what depends on the clock (how long ago the last log was). */
function comparable(answer: unknown): string {
  return JSON.stringify(answer, (key, value) => (key === "basis" || key === "eta" ? undefined : value));
}

interface Project {
  dir: string;
  path: string;
  cached: ToolContext & { cache: RunCache };
  fresh: ToolContext;
}

function project(name = "p"): Project {
  const dir = Deno.makeTempDirSync();
  const source = new LocalSource({ path: dir, source: "--dir" });
  return { dir, path: join(dir, `${name}.db`), cached: { source, cache: new RunCache() }, fresh: { source } };
}

/** A call's answer or its error's message (a run without rows has no curve to ask for). */
const outcome = <T>(call: Promise<T>) =>
  call.then((answer) => ({ answer }), (error: Error) => ({ error: error.message }));

/** Asks both contexts the same questions and requires the same answers. */
async function sameAnswers(p: Project, run = "a", label = ""): Promise<void> {
  const analyze = { project: "p", run };
  const viaCache = await invokeTool(analyzeRunTool, analyze, p.cached);
  const viaRead = await invokeTool(analyzeRunTool, analyze, p.fresh);
  assert.equal(comparable(viaCache), comparable(viaRead), `analyze_run ${label}`);
  const sweep = await invokeTool(compareRunsTool, { project: "p" }, p.cached);
  const sweepRead = await invokeTool(compareRunsTool, { project: "p" }, p.fresh);
  assert.equal(comparable(sweep), comparable(sweepRead), `compare_runs ${label}`);
  const summary = await invokeTool(getRunSummary, analyze, p.cached);
  assert.deepEqual(summary, await invokeTool(getRunSummary, analyze, p.fresh), `get_run_summary ${label}`);
  for (const args of [{ max_points: 40 }, { max_points: 8, since_step: 100 }]) {
    const values = { ...analyze, metric: "train/loss", ...args };
    const curve = await outcome(invokeTool(getMetricValues, values, p.cached));
    assert.deepEqual(curve, await outcome(invokeTool(getMetricValues, values, p.fresh)), `values ${label}`);
  }
}

function write(path: string, generation: Generation, fill: (db: TrackioDb) => void, create = true): void {
  const db = new TrackioDb(path, generation, create);
  fill(db);
  db.close();
}

for (const generation of ["head", "pre-runid", "v0.5"] as const) {
  Deno.test(`run cache (${generation}): the same answer as a fresh read after every kind of change`, async () => {
    const p = project();
    write(p.path, generation, (db) => {
      db.log("a", rows(0, 300), "id-a");
      db.log("b", rows(0, 200, (s) => 3 - s / 1000), "id-b");
    });
    await sameAnswers(p, "a", "first");
    await sameAnswers(p, "a", "unchanged");
    assert.ok(p.cached.cache.counts.unchanged >= 1, JSON.stringify(p.cached.cache.counts));

    write(p.path, generation, (db) => db.log("a", rows(300, 150, (s) => 0.5 + s / 200), "id-a"), false);
    await sameAnswers(p, "a", "appended");
    assert.ok(p.cached.cache.counts.grown >= 1, JSON.stringify(p.cached.cache.counts));

    // A late row: logged now with an old timestamp, it sorts before the end of what was read.
    write(p.path, generation, (db) => db.log("a", [{ ...rows(10, 1)[0], step: 5000 }], "id-a"), false);
    await sameAnswers(p, "a", "a row out of order");

    // A run known before its first log (from its system metrics, which v0.5 did not have), then logging.
    if (generation !== "v0.5") {
      write(
        p.path,
        generation,
        (db) => db.systemMetrics("e", rows(0, 1)[0].timestamp, { cpu: 1 }, "id-e"),
        false,
      );
      await sameAnswers(p, "e", "no rows yet");
      write(p.path, generation, (db) => db.log("e", rows(0, 80), "id-e"), false);
      await sameAnswers(p, "e", "its first rows");
    }

    // Trackio's delete_run, then the same name logged again.
    write(p.path, generation, (db) => {
      db.db.exec("DELETE FROM metrics WHERE run_name = 'a'");
      db.log("a", rows(0, 120, (s) => 1 + s / 50), "id-a");
    }, false);
    await sameAnswers(p, "a", "deleted and re-logged");

    // Trackio's rename_run: the old name is unknown now, the new one answers as fresh.
    write(
      p.path,
      generation,
      (db) => db.db.exec("UPDATE metrics SET run_name = 'c' WHERE run_name = 'b'"),
      false,
    );
    await sameAnswers(p, "c", "renamed");
    await assert.rejects(invokeTool(analyzeRunTool, { project: "p", run: "b" }, p.cached), /not found/);

    // Rewritten in place: same rows, one value changed (a sync that replaced the content).
    write(p.path, generation, (db) => {
      const last = db.db.prepare("SELECT MAX(id) AS id FROM metrics WHERE run_name = 'a'").get()!.id;
      db.db.prepare("UPDATE metrics SET metrics = ? WHERE id = ?").run(
        JSON.stringify({ "train/loss": 9, "train/grad_norm": 1 }),
        last as number,
      );
    }, false);
    await sameAnswers(p, "a", "rewritten in place");

    // Vacuumed, and truncated: rows dropped from the end, the file made smaller.
    write(p.path, generation, (db) => {
      db.db.exec("DELETE FROM metrics WHERE step >= 100");
      db.db.exec("VACUUM");
    }, false);
    await sameAnswers(p, "a", "truncated and vacuumed");

    // A different file at the same path: another run history with the same names.
    const other = join(p.dir, "other.tmp");
    write(other, generation, (db) => {
      db.log("a", rows(0, 90, (s) => 5 - s / 30), "id-a");
      db.log("c", rows(0, 50), "id-b");
    });
    Deno.renameSync(other, p.path);
    await sameAnswers(p, "a", "file replaced");
    assert.ok(p.cached.cache.counts.rebuilt >= 4, JSON.stringify(p.cached.cache.counts));
    Deno.removeSync(p.dir, { recursive: true });
  });
}

Deno.test("run cache: appends by a Trackio-format writer interleaved with questions always answer as a fresh read", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          rows: fc.integer({ min: 0, max: 60 }),
          shape: fc.constantFrom("down", "up", "nan", "flat"),
          ask: fc.boolean(),
        }),
        { minLength: 1, maxLength: 6 },
      ),
      async (steps) => {
        const p = project();
        write(p.path, "head", (db) => db.log("a", rows(0, 5), "id-a"));
        let next = 5;
        const shapes: Record<string, (s: number) => number> = {
          down: (s) => 2 / (1 + s * 0.05),
          up: (s) => 0.2 + s / 10,
          nan: (s) => (s % 11 === 0 ? NaN : 1),
          flat: () => 1,
        };
        for (const step of steps) {
          const batch = rows(next, step.rows, shapes[step.shape]).map((r) => ({
            ...r,
            metrics: Number.isNaN(r.metrics["train/loss"])
              ? { ...r.metrics, "train/loss": "NaN" }
              : r.metrics,
          }));
          write(p.path, "head", (db) => db.log("a", batch, "id-a"), false);
          next += step.rows;
          if (step.ask) await sameAnswers(p, "a", `after ${next} rows`);
        }
        await sameAnswers(p, "a", "at the end");
        Deno.removeSync(p.dir, { recursive: true });
      },
    ),
    { numRuns: 25 },
  );
});

Deno.test("run cache: held to its budget, least recently used first; a run larger than it is not kept", async () => {
  const dir = Deno.makeTempDirSync();
  write(join(dir, "p.db"), "head", (db) => {
    for (const run of ["r1", "r2", "r3"]) db.log(run, rows(0, 2000), `id-${run}`);
  });
  const source = new LocalSource({ path: dir, source: "--dir" });
  // One run's series: 2,000 points of two metrics, about 64 KB; room for two runs, not three.
  const cache = new RunCache(150_000);
  const ask = (run: string) => invokeTool(analyzeRunTool, { project: "p", run }, { source, cache });
  await ask("r1");
  await ask("r2");
  assert.equal(cache.size, 2);
  await ask("r1"); // r1 is now the most recently used
  await ask("r3");
  assert.equal(cache.size, 2);
  assert.ok(cache.bytes <= cache.budgetBytes, `${cache.bytes} > ${cache.budgetBytes}`);
  assert.equal(cache.counts.evicted, 1);
  const before = cache.counts.unchanged;
  await ask("r1");
  assert.equal(cache.counts.unchanged, before + 1, "r1 was kept: r2 went");
  const tiny = new RunCache(10_000);
  await invokeTool(analyzeRunTool, { project: "p", run: "r1" }, { source, cache: tiny });
  assert.equal(tiny.size, 0);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("the MCP server answers a repeat question from its cache, and a grown run with the new rows", async () => {
  const dir = Deno.makeTempDirSync();
  const path = join(dir, "p.db");
  write(path, "head", (db) => db.log("a", lossRows(400), "id-a"));
  const { client, close } = await stdioSession(["--dir", dir]);
  const ask = async () => {
    const answer = await client.callTool({ name: "analyze_run", arguments: { project: "p", run: "a" } });
    assert.ok(!answer.isError, JSON.stringify(answer.content));
    return (answer.structuredContent as {
      result: { runs: { stats: { metric: string; points: number }[] }[] };
    })
      .result.runs[0];
  };
  try {
    assert.equal((await ask()).stats[0].points, 400);
    assert.equal((await ask()).stats[0].points, 400);
    write(path, "head", (db) => db.log("a", lossRows(450).slice(400), "id-a"), false);
    assert.equal((await ask()).stats[0].points, 450);
    Deno.removeSync(path);
    write(path, "head", (db) => db.log("a", lossRows(30), "id-a"));
    assert.equal((await ask()).stats[0].points, 30, "a replaced file is read afresh");
  } finally {
    await close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("mcp --cache-mb and TRACKIO_CLI_CACHE_MB: a bad budget is one line and exit 2", async () => {
  const { runCli } = await import("./helpers/cli.ts");
  const bad = await runCli(["mcp", "--demo", "--cache-mb", "lots"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: --cache-mb: 'lots' is not a number of megabytes/);
  const env = await runCli(["mcp", "--demo"], { env: { TRACKIO_CLI_CACHE_MB: "-1" } });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /TRACKIO_CLI_CACHE_MB: '-1' is not a number of megabytes/);
});

Deno.test("run cache over a Trackio server: a repeat is a few small requests, changes are seen, answers as fresh", async () => {
  const p = project();
  write(p.path, "head", (db) => db.log("a", rows(0, 3000), "id-a"));
  const { server, source } = serveDir(p.dir);
  const remote: Project = { ...p, cached: { source, cache: new RunCache() }, fresh: { source } };
  try {
    await sameAnswers(remote, "a", "remote first");
    const analyze = { project: "p", run: "a" };
    await invokeTool(analyzeRunTool, analyze, remote.cached);
    const [requests, bytes] = [server.stats.requests, server.stats.bytesOut];
    const repeat = await invokeTool(analyzeRunTool, analyze, remote.cached);
    const repeatBytes = server.stats.bytesOut - bytes;
    assert.ok(server.stats.requests - requests <= 5, `${server.stats.requests - requests} requests`);
    // A fresh read of the run sends its 3,000 rows; the repeat sends the marks and an empty page.
    const freshBytes = server.stats.bytesOut;
    await invokeTool(analyzeRunTool, analyze, remote.fresh);
    assert.ok(
      repeatBytes * 5 < server.stats.bytesOut - freshBytes,
      `${repeatBytes} vs ${server.stats.bytesOut - freshBytes}`,
    );
    write(p.path, "head", (db) => db.log("a", rows(3000, 40, (s) => 1 + s / 100), "id-a"), false);
    await sameAnswers(remote, "a", "remote appended");
    write(p.path, "head", (db) => {
      db.db.exec("DELETE FROM metrics");
      db.log("a", rows(0, 200, (s) => 3 - s / 100), "id-a");
    }, false);
    await sameAnswers(remote, "a", "remote re-logged");
    // And the remote answers are the local ones.
    const local = await invokeTool(analyzeRunTool, analyze, p.fresh);
    assert.equal(comparable(await invokeTool(analyzeRunTool, analyze, remote.cached)), comparable(local));
    assert.ok(remote.cached.cache.counts.grown >= 1 && remote.cached.cache.counts.rebuilt >= 1);
    assert.ok(repeat.result);
  } finally {
    await server.close();
    Deno.removeSync(p.dir, { recursive: true });
  }
});

Deno.test("run cache: a kept curve of a run with an unreadable row answers as a fresh read (the row's step counts)", async () => {
  for (const generation of ["head", "pre-runid", "v0.5"] as const) {
    const p = project();
    write(p.path, generation, (db) => {
      db.log("a", rows(0, 20), "id-a");
      db.log("a", [{ ...rows(20, 1)[0], step: 1000 }], "id-a");
      db.db.exec("UPDATE metrics SET metrics = 'not json{' WHERE step = 1000");
    });
    const args = { project: "p", run: "a", metric: "train/loss", max_points: 6 };
    assert.deepEqual(
      await invokeTool(getMetricValues, args, p.cached),
      await invokeTool(getMetricValues, args, p.fresh),
      generation,
    );
    Deno.removeSync(p.dir, { recursive: true });
  }
});

Deno.test("run cache over a Trackio server: kept buckets of a growing curve answer as a fresh downsampling", async () => {
  const shapes: Record<string, (s: number) => number> = {
    down: (s) => 2 / (1 + s * 0.05),
    up: (s) => 0.2 + s / 10,
    zigzag: (s) => (s % 5) - (s % 3),
    nan: (s) => (s % 11 === 0 ? NaN : 1 + (s % 4)),
    flat: () => 1,
  };
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 30 }),
      fc.array(
        fc.record({
          rows: fc.integer({ min: 0, max: 400 }),
          shape: fc.constantFrom(...Object.keys(shapes)),
          // Some batches log steps from before the run's first (a resumed run starting over).
          back: fc.boolean(),
          maxPoints: fc.constantFrom(6, 12, 40),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      async (start, batches) => {
        const p = project();
        write(p.path, "head", (db) => db.log("a", rows(1000, start + 1), "id-a"));
        const { server, source } = serveDir(p.dir);
        const cached = { source, cache: new RunCache() }, fresh = { source };
        let next = 1000 + start + 1, t = next;
        try {
          for (const batch of batches) {
            const from = batch.back ? 1000 - batch.rows : next;
            const logged = rows(from, batch.rows, shapes[batch.shape]).map((r, i) => ({
              ...r,
              // Later in time than every row before, whatever their steps.
              timestamp: new Date(T0 + (t + i) * 1000).toISOString().replace("Z", "+00:00"),
              metrics: Number.isNaN(r.metrics["train/loss"])
                ? { ...r.metrics, "train/loss": "NaN" }
                : r.metrics,
            }));
            write(p.path, "head", (db) => db.log("a", logged, "id-a"), false);
            t += batch.rows;
            if (!batch.back) next += batch.rows;
            for (const maxPoints of [batch.maxPoints, 12]) {
              const args = { project: "p", run: "a", metric: "train/loss", max_points: maxPoints };
              const viaCache = await invokeTool(getMetricValues, args, cached);
              assert.deepEqual(viaCache, await invokeTool(getMetricValues, args, fresh), `after ${t} rows`);
            }
          }
        } finally {
          await server.close();
          Deno.removeSync(p.dir, { recursive: true });
        }
      },
    ),
    { numRuns: 25 },
  );
});

Deno.test("run cache over a Trackio server: a metric no JSON path can name answers as fresh, before and after appends", async () => {
  const p = project();
  const odd = 'odd"name\\x';
  const logged = (from: number, n: number) =>
    rows(from, n).map((r) => ({ ...r, metrics: { ...r.metrics, [odd]: r.step % 7 } }));
  write(p.path, "head", (db) => db.log("a", logged(0, 50), "id-a"));
  const { server, source } = serveDir(p.dir);
  const cached = { source, cache: new RunCache() }, fresh = { source };
  const args = { project: "p", run: "a", metric: odd, max_points: 10 };
  try {
    for (const grow of [0, 30]) {
      if (grow) write(p.path, "head", (db) => db.log("a", logged(50, grow), "id-a"), false);
      const viaRead = await invokeTool(getMetricValues, args, fresh);
      assert.ok(viaRead.result.length > 4 && viaRead.result.length <= 10, `${viaRead.result.length} points`);
      assert.deepEqual(await invokeTool(getMetricValues, args, cached), viaRead, `after ${grow} more rows`);
    }
  } finally {
    await server.close();
    Deno.removeSync(p.dir, { recursive: true });
  }
});

Deno.test("run cache over a Trackio server: a curve grown by more rows than one answer holds (10,000) answers as fresh", async () => {
  const p = project();
  write(p.path, "head", (db) => db.log("a", rows(0, 500), "id-a"));
  const { server, source } = serveDir(p.dir);
  const cached = { source, cache: new RunCache() }, fresh = { source };
  const args = { project: "p", run: "a", metric: "train/loss", max_points: 2000 };
  try {
    await invokeTool(getMetricValues, args, cached);
    // The same first step and bucket width, so the new points are placed into the kept buckets.
    write(p.path, "head", (db) => db.log("a", rows(500, 23_000), "id-a"), false);
    const viaRead = await invokeTool(getMetricValues, args, fresh);
    assert.deepEqual(await invokeTool(getMetricValues, args, cached), viaRead);
  } finally {
    await server.close();
    Deno.removeSync(p.dir, { recursive: true });
  }
});

Deno.test("run cache: a kept curve with values that are not numbers answers as a fresh read", async () => {
  const p = project();
  const odd = (from: number, n: number) =>
    rows(from, n).map((r, i) => ({
      ...r,
      metrics: {
        ...r.metrics,
        "train/loss": [r.metrics["train/loss"], "NaN", "n/a", null, "Infinity"][i % 5],
      },
    }));
  write(p.path, "head", (db) => db.log("a", odd(0, 300), "id-a"));
  try {
    for (const grow of [0, 120]) {
      if (grow) write(p.path, "head", (db) => db.log("a", odd(300, grow), "id-a"), false);
      for (const max_points of [12, 1000]) {
        const args = { project: "p", run: "a", metric: "train/loss", max_points };
        const viaRead = await invokeTool(getMetricValues, args, p.fresh);
        assert.ok(viaRead.result.some((pt) => pt.value === "n/a"), "a text value is among the points");
        assert.deepEqual(
          await invokeTool(getMetricValues, args, p.cached),
          viaRead,
          `${max_points} after ${grow}`,
        );
      }
    }
  } finally {
    Deno.removeSync(p.dir, { recursive: true });
  }
});

Deno.test("run cache: runs dropped and freed while other questions are at work answer as fresh reads", async () => {
  const dir = Deno.makeTempDirSync();
  const path = join(dir, "p.db");
  const runs = ["r1", "r2", "r3", "r4"];
  write(path, "head", (db) => {
    for (const run of runs) db.log(run, rows(0, 2000), `id-${run}`);
  });
  const source = new LocalSource({ path: dir, source: "--dir" });
  // Room for about one run's series and curve: nearly every question drops another run's entry.
  const cached = { source, cache: new RunCache(120_000) }, fresh = { source };
  const questions = (round: number) =>
    runs.flatMap((run, i) => [
      (ctx: ToolContext) => invokeTool(analyzeRunTool, { project: "p", run }, ctx),
      (ctx: ToolContext) =>
        invokeTool(
          getMetricValues,
          { project: "p", run, metric: "train/loss", max_points: 20 + round + i },
          ctx,
        ),
      (ctx: ToolContext) =>
        invokeTool(getMetricValues, { project: "p", run, metric: "train/grad_norm", max_points: 30 }, ctx),
    ]);
  try {
    for (let round = 0; round < 3; round++) {
      const asked = questions(round);
      // All at once, so that an entry is dropped while a question about its run is still running.
      const viaCache = await Promise.all(asked.map((ask) => ask(cached)));
      for (let q = 0; q < asked.length; q++) {
        assert.equal(
          comparable(viaCache[q]),
          comparable(await asked[q](fresh)),
          `round ${round}, question ${q}`,
        );
      }
      write(path, "head", (db) => {
        for (const run of runs) db.log(run, rows(2000 + round * 50, 50), `id-${run}`);
      }, false);
    }
    assert.ok(cached.cache.counts.evicted > 0, "entries were dropped");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
