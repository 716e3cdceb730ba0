import assert from "node:assert/strict";
import fc from "fast-check";
import { downsampleIndices, downsampleMinMax } from "../src/analysis/downsample.ts";
import { selectRows } from "../src/analysis/select_rows.ts";

const value = fc.oneof(
  { weight: 20, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, "text") },
);
const seriesOf = (minLength: number) =>
  fc.array(value, { minLength, maxLength: 600 })
    .map((values) => values.map((value, i) => ({ step: i * 3, value: value as number | string })));
const series = seriesOf(0);

Deno.test("downsampling never exceeds max_points and keeps first, last, extremes and a non-finite point", () => {
  fc.assert(
    fc.property(series, fc.integer({ min: 4, max: 200 }), (points, maxPoints) => {
      const out = downsampleMinMax(points, maxPoints, 0, Math.max(0, (points.length - 1) * 3));
      assert.equal(out.total, points.length);
      if (points.length <= maxPoints) {
        assert.deepEqual(out.points, points);
        assert.equal(out.downsampled, false);
        return;
      }
      assert.ok(out.points.length <= maxPoints, `${out.points.length} > ${maxPoints}`);
      assert.equal(out.points[0], points[0]);
      assert.equal(out.points.at(-1), points.at(-1));
      const finite = points.filter((p) => typeof p.value === "number" && Number.isFinite(p.value));
      if (finite.length) {
        const max = Math.max(...finite.map((p) => p.value as number));
        assert.ok(out.points.some((p) => p.value === max), "global maximum kept");
      }
      if (points.some((p) => typeof p.value !== "number" || !Number.isFinite(p.value))) {
        assert.ok(
          out.points.some((p) => typeof p.value !== "number" || !Number.isFinite(p.value)),
          "a non-finite point kept",
        );
      }
      const order = out.points.map((p) => points.indexOf(p));
      assert.deepEqual(order, [...order].sort((a, b) => a - b), "original order kept");
    }),
  );
});

Deno.test("downsampling arrays by index keeps the points a stream of the same points keeps", () => {
  const steps = fc.array(fc.integer({ min: -20, max: 2_000 }), { maxLength: 600 });
  fc.assert(
    fc.property(series, steps, fc.integer({ min: 1, max: 200 }), (points, shuffled, maxPoints) => {
      // Steps in order and out of order (a resumed run), and outside the step range given.
      points = points.map((p, i) => ({ ...p, step: shuffled[i] ?? p.step }));
      const [first, last] = [0, Math.max(0, (points.length - 1) * 3)];
      const stream = downsampleMinMax(points, maxPoints, first, last);
      const { indices, downsampled } = downsampleIndices(
        points.map((p) => p.step),
        points.map((p) => p.value),
        maxPoints,
        first,
        last,
      );
      assert.equal(downsampled, stream.downsampled);
      assert.deepEqual(indices.map((i) => points[i]), stream.points);
    }),
  );
});

Deno.test("a growing curve's kept buckets keep what a fresh downsampling of it keeps, as its range moves", () => {
  fc.assert(
    fc.property(
      seriesOf(100),
      fc.array(fc.integer({ min: 1, max: 150 }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 4, max: 60 }),
      fc.integer({ min: 0, max: 8 }),
      fc.integer({ min: 1, max: 5 }),
      (points, batches, maxPoints, earlier, moveAt) => {
        const kept: Parameters<typeof downsampleIndices>[5] = {};
        let n = 0;
        for (const [b, batch] of batches.entries()) {
          n = Math.min(points.length, n + batch);
          const prefix = points.slice(0, n);
          // The range grows with the curve; from some batch on, a row at an earlier step moves its start.
          const first = b >= moveAt ? -earlier : 0;
          const last = Math.max(0, (n - 1) * 3);
          const args = [
            prefix.map((p) => p.step),
            prefix.map((p) => p.value),
            maxPoints,
            first,
            last,
          ] as const;
          assert.deepEqual(downsampleIndices(...args, kept), downsampleIndices(...args), `at ${n} points`);
        }
      },
    ),
  );
});

Deno.test("downsampling a few points with a huge max_points returns them whole, without buckets for max_points", () => {
  const points = Array.from({ length: 10 }, (_, i) => ({ step: i, value: i % 3 }));
  // Buckets made up front for a max_points of 1e12 would need terabytes.
  const out = downsampleMinMax(points, 1e12, 0, 9);
  assert.deepEqual(out, { points, total: 10, downsampled: false });
});

Deno.test("downsampling keeps the global minimum when the series is all finite", () => {
  const points = Array.from({ length: 10_000 }, (_, i) => ({ step: i, value: 1 + Math.sin(i / 50) }));
  points[7777].value = -5;
  const out = downsampleMinMax(points, 101, 0, 9999);
  assert.ok(out.points.some((p) => p.value === -5));
  assert.equal(out.points.length <= 101, true);
});

Deno.test("row selection for logs keeps every metric's spike and stays within max_rows", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 50, max: 2000 }),
      fc.integer({ min: 6, max: 100 }),
      fc.nat(),
      (total, maxRows, seed) => {
        const rows = Array.from(
          { length: total },
          (_, i) => ({
            metrics: { a: Math.sin(i + seed), b: Math.cos(i * 3 + seed) } as Record<string, unknown>,
          }),
        );
        const spikeAt = seed % total;
        rows[spikeAt].metrics.a = 1e9;
        const keep = selectRows(rows, total, maxRows, 2);
        assert.ok(keep.size <= maxRows, `${keep.size} > ${maxRows}`);
        assert.ok(keep.has(spikeAt));
        assert.ok(keep.has(0) && keep.has(total - 1));
      },
    ),
  );
});
