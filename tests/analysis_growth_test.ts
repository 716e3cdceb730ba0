/**
 * A run's analysis as it grows, row batch by row batch, through one collector (what the MCP server's
 * cache and `analyze --watch` do, keeping work between questions in each series' facts) is the analysis
 * of the same points read afresh, with no facts at all: the same result, to the bit.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { RunCollector } from "../src/analysis/collect.ts";
import { analyzeRun } from "../src/analysis/diagnose.ts";
import { bucketLayout, reduce, type Series, seriesOf } from "../src/analysis/series.ts";

type Row = [number, Record<string, unknown>];

const SCHEDULES: Record<string, (t: number) => number> = {
  cosine: (t) => 0.5 * (1 + Math.cos(Math.PI * t)),
  quarter_cosine: (t) => Math.cos((Math.PI / 2) * t),
  linear: (t) => 1 - t,
  steps: (t) => (t < 0.3 ? 1 : t < 0.7 ? 0.1 : 0.01),
  constant: () => 1,
};

interface Shape {
  length: number;
  schedule: string;
  warmup: number;
  /** Share of points that are NaN or infinite, and of rows logged at an earlier step. */
  nonFinite: number;
  backwards: number;
  seed: number;
}

/** Rows as a trainer logs them: loss, grad norm and learning rate each step, an eval loss every 50. */
function rowsOf(shape: Shape): Row[] {
  let seed = shape.seed;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const odd = () => [NaN, Infinity, -Infinity][Math.floor(random() * 3)];
  const rows: Row[] = [];
  for (let i = 0; i < shape.length; i++) {
    const step = random() < shape.backwards ? Math.floor(random() * i) : i + 1;
    const t = i / shape.length;
    const lr = 2e-4 * (t < shape.warmup ? t / shape.warmup : SCHEDULES[shape.schedule](t));
    const loss = 2 * Math.exp(-3 * t) + 0.3 + 0.05 * (random() - 0.5) + (random() < 0.002 ? 3 : 0);
    const metrics: Record<string, unknown> = {
      "train/loss": random() < shape.nonFinite ? odd() : loss,
      "train/grad_norm": random() < shape.nonFinite ? odd() : 1 + random(),
      "train/learning_rate": random() < shape.nonFinite ? odd() : lr,
    };
    if (i % 50 === 49) metrics["eval/loss"] = random() < 10 * shape.nonFinite ? odd() : loss + 0.1 * t;
    rows.push([step, metrics]);
  }
  return rows;
}

/** The series as a fresh read with no facts: plain arrays. */
const bare = (series: Map<string, Series>) =>
  new Map([...series].map(([name, s]) => [name, { steps: s.steps.slice(), values: s.values.slice() }]));

const shapes = fc.record({
  length: fc.integer({ min: 1_500, max: 9_000 }),
  schedule: fc.constantFrom(...Object.keys(SCHEDULES)),
  warmup: fc.constantFrom(0, 0.05),
  nonFinite: fc.constantFrom(0, 0, 0.001, 0.2),
  backwards: fc.constantFrom(0, 0, 0, 0.0005),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});

Deno.test("a growing run's analysis, kept between batches, is its analysis read afresh", () => {
  fc.assert(
    fc.property(
      shapes,
      fc.array(fc.integer({ min: 1, max: 3_000 }), { minLength: 2, maxLength: 6 }),
      fc.constantFrom(null, 12_000, 4_000),
      (shape, batches, maxSteps) => {
        const rows = rowsOf(shape);
        const config = maxSteps === null ? null : { max_steps: maxSteps };
        const collector = new RunCollector();
        let at = 0;
        for (const batch of [...batches, rows.length]) {
          for (const end = Math.min(rows.length, at + batch); at < end; at++) collector.add(...rows[at]);
          const kept = analyzeRun({ series: collector.series, config });
          const fresh = analyzeRun({ series: bare(collector.series), config });
          assert.deepStrictEqual(kept, fresh, `after ${at} rows`);
          if (at === rows.length) break;
        }
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("reduce's buckets: at most the bucket count asked, all points in order, each about equal", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 4, max: 3_000 }), (n, max) => {
      const { width, full, merged } = bucketLayout(n, max);
      const tail = n - Math.floor(full * width);
      const buckets = merged || tail === 0 ? full : full + 1;
      assert.ok(buckets <= max, `${buckets} buckets of ${n} points for ${max}`);
      if (n <= max) assert.equal(buckets, n, "a short series keeps every point");
      else assert.ok(buckets > max / 2 ** (1 / 16) - 2, `only ${buckets} buckets of ${n} points for ${max}`);
    }),
  );
  // The buckets of a series cut by reduce cover it: each ends where the next starts, the last at its end.
  const values = Array.from({ length: 10_007 }, (_, i) => i);
  const r = reduce(seriesOf(values.map((v) => v + 1), values), 700);
  for (let b = 0; b < r.step.length; b++) {
    assert.equal(r.lo[b], b === 0 ? 0 : r.step[b - 1], "a bucket starts after the one before");
    assert.equal(r.hi[b], r.step[b] - 1);
  }
  assert.equal(r.step.at(-1), 10_007);
});

Deno.test("a kept reduction is the same as a fresh one at every length, across width changes", () => {
  const values = Array.from({ length: 15_000 }, (_, i) => Math.sin(i * 0.37) + i / 1e4);
  const steps = values.map((_, i) => i);
  const kept = {};
  // Steps of 1 to 23 points: some stay within the last bucket, some finish it, some pass a width.
  for (let n = 1; n <= values.length; n += 1 + ((n * 7919) % 23)) {
    const prefix = seriesOf(steps.slice(0, n), values.slice(0, n));
    assert.deepStrictEqual(reduce(prefix, 2_000, kept), reduce(prefix, 2_000), `at ${n} points`);
  }
});
