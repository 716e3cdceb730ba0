/**
 * How `analyze` and `compare` read a run through a Trackio server: rows whose values are mostly
 * wanted travel as stored (the server only joins them), rows mostly of other metrics travel as the
 * wanted values extracted on the server, and a wanted name no JSON path can spell sends the stored
 * text after all. Either way the results equal the local reader's, in every schema generation, and
 * rows that are not JSON objects are left out with the same notice, however far into the run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { toJson } from "../src/json.ts";
import { LocalSource } from "../src/store/local_source.ts";
import { RAW_PAGE_BYTES, scanPlan } from "../src/store/remote/scan_plan.ts";
import type { Source } from "../src/store/source.ts";
import { findTool } from "../src/tools/index.ts";
import { invokeTool } from "../src/tools/invoke.ts";
import { localContext, type ToolContext } from "../src/tools/registry.ts";
import { remoteSource, serveDir } from "./helpers/remote.ts";
import type { TrackioServer } from "./helpers/trackio_server.ts";
import { type LogRow, TrackioDb } from "./helpers/trackio_db.ts";

const wantedLoss = (name: string) => name.includes("loss");

Deno.test("scan plan: stored text when the wanted values are most of the values, pages sized by the text", () => {
  const row = (extra: number) =>
    JSON.stringify({
      "train/loss": 1.2345678901234,
      ...Object.fromEntries(Array.from({ length: extra }, (_, k) => [`sys/x${k}`, 0.1234567890123 + k])),
    });
  assert.equal(scanPlan([row(0), row(0)], wantedLoss, 1000, RAW_PAGE_BYTES.plain).raw, true);
  assert.equal(
    scanPlan([row(1)], wantedLoss, 1000, RAW_PAGE_BYTES.plain).raw,
    true,
    "half the values wanted",
  );
  assert.equal(scanPlan([row(2)], wantedLoss, 1000, RAW_PAGE_BYTES.plain).raw, false);
  assert.equal(scanPlan([row(30)], undefined, 1000, RAW_PAGE_BYTES.plain).raw, true, "every metric wanted");
  // Nothing to judge by (no rows, or none that is a JSON object): stored text.
  assert.equal(scanPlan([], wantedLoss, 1000, RAW_PAGE_BYTES.plain).raw, true);
  assert.equal(scanPlan(["{oops", "[1]"], wantedLoss, 1000, RAW_PAGE_BYTES.plain).raw, true);
  // About the bytes given a page (2 MB plain, 8 MB gzipped), within the rows given.
  const long = "x".repeat(20_000);
  assert.equal(scanPlan([long], wantedLoss, 1000, RAW_PAGE_BYTES.plain).rawPageRows, 100);
  assert.equal(scanPlan([long], wantedLoss, 1000, RAW_PAGE_BYTES.gzip).rawPageRows, 400);
  assert.equal(scanPlan([row(0)], wantedLoss, 1000, RAW_PAGE_BYTES.plain).rawPageRows, 1000);
  // Rows longer than four times the sampled ones (and 1 KB) are read on their own.
  assert.equal(scanPlan([long], wantedLoss, 1000, RAW_PAGE_BYTES.plain).bigRowBytes, 80_000);
  assert.equal(scanPlan([row(0)], wantedLoss, 1000, RAW_PAGE_BYTES.plain).bigRowBytes, 1024);
});

const stamp = (i: number) =>
  new Date(Date.UTC(2026, 5, 1) + Math.floor(i / 4) * 1000).toISOString().replace("Z", "+00:00");

/** Losses with a spike and a NaN tail; eval rows start a third of the way in, far from both ends. */
function rows(n: number, others: number, quotedLoss = false): LogRow[] {
  const out: LogRow[] = [];
  for (let i = 0; i < n; i++) {
    let loss: number = 2 / (1 + i * 0.01) + (i % 7) * 0.003;
    if (i === 150) loss *= 8;
    if (i > n - 12) loss = NaN;
    const metrics: Record<string, unknown> = {
      "train/loss": loss,
      "train/learning_rate": 3e-4 * Math.min(1, i / 50),
      ...Object.fromEntries(
        Array.from({ length: others }, (_, k) => [`sys/gpu${k}_util`, 0.5 + ((i * (k + 3)) % 97) / 97]),
      ),
    };
    if (quotedLoss && i % 5 === 0) metrics['aux"loss'] = i / n;
    out.push({ step: i, metrics, timestamp: stamp(i) });
    if (i >= n / 3 && i % 40 === 0) {
      out.push({ step: i, metrics: { "eval/loss": 2.1 / (1 + i * 0.008) }, timestamp: stamp(i) });
    }
  }
  return out;
}

const RUN_IDS: Record<string, string> = {
  "mostly-wanted": "id-wanted",
  "mostly-other": "id-other",
  "quoted-loss": "id-quoted",
  "damaged": "id-damaged",
  "histograms": "id-histograms",
};

/** Histograms logged in the middle third only, each a few kilobytes: rows the edge sample never sees. */
const withHistograms = (rows: LogRow[]): LogRow[] =>
  rows.map((r, i) =>
    i > 130 && i < 270 && i % 9 === 0
      ? {
        ...r,
        metrics: {
          ...r.metrics,
          "weights/histogram": {
            _type: "trackio.histogram",
            bins: Array.from({ length: 200 }, (_, k) => k / 200 + i / 1e4),
            counts: Array.from({ length: 200 }, (_, k) => (k * i) % 37),
          },
        },
      }
      : r
  );

function writeProject(dir: string, generation: "head" | "pre-runid" | "v0.5"): void {
  const db = new TrackioDb(join(dir, "plans.db"), generation);
  db.log("mostly-wanted", rows(400, 0), RUN_IDS["mostly-wanted"]);
  db.log("mostly-other", rows(400, 30), RUN_IDS["mostly-other"]);
  db.log("quoted-loss", rows(400, 30, true), RUN_IDS["quoted-loss"]);
  // Rows that are not JSON objects, far into the run: met by a page of stored text after many others.
  db.log("damaged", rows(400, 0), RUN_IDS.damaged);
  db.log("histograms", withHistograms(rows(400, 0)), RUN_IDS.histograms);
  for (const [step, text] of [[300, '{"train/loss": 1,'], [350, "[1, 2]"]]) {
    db.db.prepare("UPDATE metrics SET metrics = CAST(? AS BLOB) WHERE run_name = 'damaged' AND step = ?")
      .run(text, step);
  }
  db.close();
}

/** The project written in `generation` and served by the HTTP double, for `body`; removed after. */
async function servedPlans(
  generation: "head" | "pre-runid" | "v0.5",
  body: (dir: string, server: TrackioServer) => Promise<void>,
): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-scan-plan-" });
  writeProject(dir, generation);
  const { server } = serveDir(dir);
  try {
    await body(dir, server);
  } finally {
    await server.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

async function outcome(ctx: ToolContext, tool: string, args: Record<string, unknown>) {
  const out = await invokeTool(findTool(tool)!, args, ctx);
  return { result: JSON.parse(toJson(out.result)), notices: out.notices };
}

for (const generation of ["head", "pre-runid", "v0.5"] as const) {
  Deno.test(`remote scan (${generation}): stored text or extracted values by the rows, results as local`, async () => {
    await servedPlans(generation, async (dir, server) => {
      const wide: ToolContext = { source: remoteSource(server.url) };
      const narrow: ToolContext = { source: remoteSource(server.url, undefined, { values: 23, rows: 11 }) };
      const local = localContext({ path: dir, source: "--dir" });
      const sent: string[] = [];
      const realFetch = globalThis.fetch;
      globalThis.fetch = (input, init) => {
        const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
        if (typeof body?.query === "string") sent.push(body.query);
        return realFetch(input, init);
      };
      try {
        for (const ctx of [wide, narrow]) {
          for (const run of ["mostly-wanted", "mostly-other", "quoted-loss", "damaged", "histograms"]) {
            sent.length = 0;
            const args = { project: "plans", run };
            assert.deepStrictEqual(
              await outcome(ctx, "analyze_run", args),
              await outcome(local, "analyze_run", args),
              run,
            );
            const key = generation === "head" ? `'${RUN_IDS[run]}'` : `'${run}'`;
            const ofRun = sent.filter((q) => q.includes(key));
            const stored = ofRun.some((q) =>
              /group_concat\(CASE WHEN length\(metrics\) > \d+ THEN '0' ELSE CAST/.test(q)
            );
            const extracted = ofRun.some((q) =>
              q.includes("json_group_array(json_array(step, json_extract(")
            );
            assert.deepStrictEqual(
              { stored, extracted },
              run === "mostly-other"
                ? { stored: false, extracted: true }
                : { stored: true, extracted: false },
              `${run}: how its rows travelled`,
            );
            // The long rows, and only they, were read by id, a few to a request.
            const byId = sent.filter((q) =>
              /^SELECT id, CAST\(metrics AS TEXT\) AS m FROM metrics WHERE id IN/.test(q)
            );
            assert.equal(byId.length > 0, run === "histograms", `${run}: rows read by id`);
          }
          const compare = { project: "plans" };
          assert.deepStrictEqual(
            await outcome(ctx, "compare_runs", compare),
            await outcome(local, "compare_runs", compare),
          );
        }
      } finally {
        globalThis.fetch = realFetch;
      }
    });
  });
}

Deno.test("remote: a filtered read from the run's start asks for one page of what it selects, not the whole run", async () => {
  await servedPlans("head", async (_dir, server) => {
    const source = remoteSource(server.url, undefined, { values: 23, rows: 11 });
    await source.withProject("plans", async (reader) => {
      const run = await reader.resolveRun("mostly-wanted");
      const queries = () => server.stats.byPath.get("/api/query_project") ?? 0;
      for (const filter of [{ since_step: 395 }, { step: 7 }, { around_step: 200, window: 3 }]) {
        const before = queries();
        const points = [];
        for await (const page of reader.metricValues(run, "train/loss", filter)) points.push(...page);
        assert.ok(points.length > 0 && points.length < 23, JSON.stringify(filter));
        assert.equal(queries() - before, 1, `values ${JSON.stringify(filter)}: requests`);
        const rowsBefore = queries();
        for await (const _ of reader.rows(run, filter));
        assert.equal(queries() - rowsBefore, 1, `rows ${JSON.stringify(filter)}: requests`);
      }
      // The whole run from its start: where its pages end first, then the pages.
      const before = queries();
      let n = 0;
      for await (const page of reader.metricValues(run, "train/loss")) n += page.length;
      assert.equal(n, 400);
      assert.equal(queries() - before, 1 + Math.ceil(406 / 23), "whole history: one chain, then every page");
    });
  });
});

Deno.test("remote scan: long rows read by id come back in their places, as the local reader visits them", async () => {
  await servedPlans("head", async (dir, server) => {
    const visited = async (source: Source) =>
      await source.withProject("plans", async (reader) => {
        const run = await reader.resolveRun("histograms");
        const seen: string[] = [];
        await reader.scanRows(
          run,
          undefined,
          (step, metrics) => seen.push(`${step} ${JSON.stringify(metrics)}`),
        );
        return seen;
      });
    const here = await visited(new LocalSource({ path: dir, source: "--dir" }));
    assert.ok(here.filter((r) => r.includes("trackio.histogram")).length > 10);
    for (const pages of [undefined, { values: 23, rows: 11 }]) {
      assert.deepStrictEqual(await visited(remoteSource(server.url, undefined, pages)), here);
    }
  });
});
