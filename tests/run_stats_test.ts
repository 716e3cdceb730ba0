/**
 * A run's stats (row count, step range, time range) for its rows up to a row, after one, or all of
 * them, on both sources and in every schema generation: the rows outside the range are left out even
 * when their steps are the run's least or largest (a run resumed from a checkpoint logs lower steps
 * later), and rows left out as damaged stay out.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LocalSource } from "../src/store/local_source.ts";
import type { RowRange } from "../src/store/remote/sql.ts";
import type { RunStats, Source } from "../src/store/source.ts";
import { remoteSource, serveDir } from "./helpers/remote.ts";
import { type LogRow, TrackioDb } from "./helpers/trackio_db.ts";

const stamp = (i: number) =>
  new Date(Date.UTC(2026, 2, 1) + Math.floor(i / 3) * 1000).toISOString().replace("Z", "+00:00");

/** Steps 100..139, then a resume from step 10 (lower steps, later rows), then a jump to 900. */
function rows(): LogRow[] {
  const steps = [
    ...Array.from({ length: 40 }, (_, i) => 100 + i),
    ...Array.from({ length: 30 }, (_, i) => 10 + i),
    900,
    901,
  ];
  return steps.map((step, i) => ({ step, metrics: { "train/loss": 1 / (1 + i) }, timestamp: stamp(i) }));
}

/** What the stats must be: counted here from the rows in range (in the file's row order). */
function expected(all: { id: number; step: number; timestamp: string }[], range: RowRange): RunStats {
  const key = (r: { timestamp: string; id: number }) => `${r.timestamp}\x1f${String(r.id).padStart(15, "0")}`;
  const inRange = all.filter((r) =>
    (!range.after || key(r) > key(range.after)) && (!range.upTo || key(r) <= key(range.upTo))
  );
  const steps = inRange.map((r) => r.step);
  const times = inRange.map((r) => r.timestamp).sort();
  return {
    num_logs: inRange.length,
    first_step: steps.length ? Math.min(...steps) : null,
    last_step: steps.length ? Math.max(...steps) : null,
    first_timestamp: times[0] ?? null,
    last_timestamp: times[times.length - 1] ?? null,
  };
}

for (const generation of ["head", "pre-runid", "v0.5"] as const) {
  Deno.test(`run stats (${generation}): up to a row, after one, or all, on both sources`, async () => {
    const dir = Deno.makeTempDirSync({ prefix: "trackio-run-stats-" });
    const db = new TrackioDb(join(dir, "p.db"), generation);
    db.log("resumed", rows(), "id-resumed");
    db.log("other", rows().map((r) => ({ ...r, step: r.step + 5000 })), "id-other");
    // A damaged row with the run's largest step: left out of every read once found.
    db.log("resumed", [{ step: 99_999, metrics: { "train/loss": 1 }, timestamp: stamp(80) }], "id-resumed");
    db.db.exec("UPDATE metrics SET metrics = CAST('{\"train/loss\": ' AS BLOB) WHERE step = 99999");
    const all = db.db.prepare(
      "SELECT id, step, timestamp FROM metrics WHERE run_name = 'resumed' AND step != 99999 ORDER BY timestamp, id",
    ).all().map((r) => ({ id: Number(r.id), step: Number(r.step), timestamp: String(r.timestamp) }));
    db.close();
    const at = (i: number) => ({ timestamp: all[i].timestamp, id: all[i].id });
    const ranges: RowRange[] = [
      {},
      { upTo: at(all.length - 1) },
      { upTo: at(45) }, // within the resume: the largest step so far is 139, the least 10
      { upTo: at(39) }, // before it: nothing below 100
      { upTo: at(0) },
      { after: at(39) },
      { after: at(45), upTo: at(70) },
      { after: at(all.length - 1) },
    ];
    const { server } = serveDir(dir);
    const sources: [string, Source][] = [
      ["local", new LocalSource({ path: dir, source: "--dir" })],
      ["remote", remoteSource(server.url, undefined, { values: 7, rows: 5 })],
    ];
    try {
      for (const [name, source] of sources) {
        await source.withProject("p", async (reader) => {
          const run = await reader.resolveRun("resumed");
          // The damaged row is found by a read, as any command would meet it, and left out from then on.
          for await (const _ of reader.rows(run));
          for (const range of ranges) {
            assert.deepStrictEqual(
              await reader.runStats(run, range),
              expected(all, range),
              `${name} ${JSON.stringify(range)}`,
            );
          }
        });
      }
    } finally {
      await server.close();
      Deno.removeSync(dir, { recursive: true });
    }
  });
}
