/** The statistics under the diagnoses, on series whose answers are known. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { RunCollector } from "../src/analysis/collect.ts";
import { analyzeRun } from "../src/analysis/diagnose.ts";
import { median, rollingMedian, theilSen } from "../src/analysis/robust.ts";
import { reduce, seriesOf } from "../src/analysis/series.ts";
import { profile, project } from "../src/analysis/stats.ts";
import { progressOf, warmupEnd } from "../src/analysis/progress.ts";
import { assignRoles } from "../src/analysis/metric_roles.ts";

const series = (values: number[], every = 1) => seriesOf(values.map((_, i) => (i + 1) * every), values);

Deno.test("the median ignores order and non-finite values, and is the sorted middle", () => {
  fc.assert(fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1 }), (xs) => {
    const shuffled = [...xs].reverse();
    // The same number: -0 and 0 are one median (which of the two a tie yields depends on the order).
    const same = (a: number, b: number) => assert.ok(a === b, `${a} vs ${b}`);
    same(median(xs), median(shuffled));
    same(median([...xs, NaN, Infinity, -Infinity]), median(xs));
    assert.ok(Math.min(...xs) <= median(xs) && median(xs) <= Math.max(...xs));
  }));
  assert.ok(Number.isNaN(median([])));
  fc.assert(
    fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1 }), (xs) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const n = sorted.length;
      const expected = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      const got = median(xs);
      assert.ok(
        got === expected || Math.abs(got - expected) <= 1e-9 * Math.abs(expected),
        `${got} vs ${expected}`,
      );
    }),
    { numRuns: 300 },
  );
});

Deno.test("Theil-Sen recovers a line through outliers; the rolling median ignores a spike", () => {
  const xs = Array.from({ length: 100 }, (_, i) => i);
  const ys = xs.map((x) => 3 - 0.02 * x);
  ys[10] = 50;
  ys[60] = -40;
  const fit = theilSen(xs, ys);
  assert.ok(Math.abs(fit.slope + 0.02) < 1e-9 && Math.abs(fit.intercept - 3) < 1e-9, JSON.stringify(fit));
  const smooth = rollingMedian([1, 1, 1, 9, 1, 1, 1], 3);
  assert.deepStrictEqual(smooth, [1, 1, 1, 1, 1, 1, 1]);
  fc.assert(fc.property(
    fc.array(fc.oneof(fc.double({ min: -100, max: 100, noNaN: true }), fc.constant(NaN)), { maxLength: 60 }),
    fc.integer({ min: 1, max: 15 }),
    (xs, w) => {
      const half = Math.floor(w / 2);
      const naive = xs.map((_, i) => median(xs.slice(Math.max(0, i - half), i + half + 1)));
      const got = rollingMedian(xs, w);
      assert.deepStrictEqual(
        got.map((v) => Number.isNaN(v) ? "NaN" : v),
        naive.map((v) => Number.isNaN(v) ? "NaN" : v),
      );
    },
  ));
});

Deno.test("Theil-Sen is the median of the pairwise slopes, over finite points, subsampled past maxPoints", () => {
  // The definition, spelled out: every pair of the kept points with distinct x, the middle of the
  // finite slopes in order (an overflowing pair gives an infinite one), quartiles of them all.
  const naive = (xs: number[], ys: number[], maxPoints: number) => {
    const stride = Math.max(1, Math.ceil(xs.length / maxPoints));
    const kept = xs.map((x, i) => [x, ys[i]]).filter((_, i) => i % stride === 0 && Number.isFinite(ys[i]));
    const slopes: number[] = [];
    for (let i = 0; i < kept.length; i++) {
      for (let j = i + 1; j < kept.length; j++) {
        if (kept[j][0] !== kept[i][0]) slopes.push((kept[j][1] - kept[i][1]) / (kept[j][0] - kept[i][0]));
      }
    }
    slopes.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const middle = (sorted: number[]) =>
      sorted.length === 0
        ? NaN
        : sorted.length % 2
        ? sorted[sorted.length >> 1]
        : (sorted[sorted.length >> 1] + sorted[(sorted.length >> 1) - 1]) / 2;
    const slope = slopes.length ? middle(slopes.filter(Number.isFinite)) : 0;
    const intercept = middle(
      kept.map(([x, y]) => y - slope * x).filter(Number.isFinite).sort((a, b) => a - b),
    );
    const at = (
      q: number,
    ) => (slopes.length ? slopes[Math.min(slopes.length - 1, Math.floor(q * slopes.length))] : 0);
    return {
      slope,
      intercept: Number.isFinite(intercept) ? intercept : 0,
      slopeLow: at(0.25),
      slopeHigh: at(0.75),
    };
  };
  const y = fc.oneof(
    fc.double({ min: -100, max: 100, noNaN: true }),
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(NaN, 1e308, -1e308),
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), y), { maxLength: 120 }),
      fc.integer({ min: 2, max: 50 }),
      (points, maxPoints) => {
        const xs = points.map(([x]) => x), ys = points.map(([, v]) => v);
        const got = theilSen(xs, ys, maxPoints), want = naive(xs, ys, maxPoints);
        // -0 and 0 are one slope (which of the two a tie yields depends on the order).
        for (const key of ["slope", "intercept", "slopeLow", "slopeHigh"] as const) {
          assert.ok(
            Object.is(got[key], want[key]) || got[key] === want[key],
            `${key}: ${got[key]} vs ${want[key]}`,
          );
        }
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("reduce keeps each bucket's median, maximum and minimum, and leaves short series whole", () => {
  const short = series([3, 1, 2]);
  assert.deepStrictEqual(reduce(short, 10).mid, [3, 1, 2]);
  const long = series(Array.from({ length: 10_000 }, (_, i) => (i === 4321 ? 100 : 1)));
  const r = reduce(long, 100);
  assert.ok(r.mid.length <= 100 && r.mid.length > 100 / 2 ** (1 / 16) - 2, `${r.mid.length} buckets`);
  assert.ok(r.mid.every((m) => m === 1));
  assert.equal(Math.max(...r.hi), 100);
  assert.equal(r.hiStep[r.hi.indexOf(100)], 4322);
});

Deno.test("a profile's peak is its largest finite value, kept as a growing series grows or found afresh", () => {
  const value = fc.oneof(
    fc.double({ min: -1, max: 1, noNaN: true }),
    fc.constantFrom(NaN, Infinity, -Infinity),
  );
  fc.assert(
    fc.property(fc.array(fc.array(value, { maxLength: 40 }), { minLength: 1, maxLength: 5 }), (batches) => {
      const collector = new RunCollector();
      const seen: number[] = [];
      for (const batch of batches) {
        for (const v of batch) {
          seen.push(v);
          collector.add(seen.length, { "train/learning_rate": v });
        }
        const grown = collector.series.get("train/learning_rate");
        if (!grown) continue;
        const want = Math.max(-Infinity, ...seen.filter(Number.isFinite));
        assert.equal(profile("lr", grown).peak, want, "kept by the series' facts");
        assert.equal(profile("lr", seriesOf(grown.steps, grown.values)).peak, want, "found afresh");
      }
    }),
  );
  // The logged learning rate's peak places the end of its warm-up.
  const lr = seriesOf([1, 2, 3, 4, 5], [1e-5, 5e-5, 1e-4, 1e-4, 9e-5]);
  assert.equal(warmupEnd({}, 5, 0.05, profile("lr", lr)), 3);
});

Deno.test("a profile's noise: the median residual from a 5-point rolling median over the last half, of its level", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: 5, maxLength: 600 }),
      (values) => {
        const n = values.length, from = Math.max(2, Math.floor(n / 2));
        const residuals: number[] = [], levels: number[] = [];
        for (let i = from; i < n - 2; i++) {
          residuals.push(Math.abs(values[i] - median(values.slice(i - 2, i + 3))));
          levels.push(values[i]);
        }
        const want = residuals.length ? (median(residuals) / Math.abs(median(levels))) * 100 : null;
        assert.equal(profile("loss", series(values)).stats.noise_pct, want);
      },
    ),
  );
});

Deno.test("profile: start, current, best, change and trend of a decreasing loss; NaN counted, order fixed", () => {
  const values = Array.from({ length: 200 }, (_, i) => 2 * Math.exp(-i / 50) + 0.5);
  const shuffled = { steps: [...series(values).steps].reverse(), values: [...values].reverse() };
  shuffled.steps.push(150.5);
  shuffled.values.push(NaN);
  const p = profile("loss", seriesOf(shuffled.steps, shuffled.values));
  assert.equal(p.stats.points, 201);
  assert.equal(p.stats.non_finite, 1);
  assert.equal(p.stats.first_step, 1);
  assert.equal(p.stats.last_step, 200);
  assert.ok(
    Math.abs(p.stats.start! - 2.5) < 0.2 && Math.abs(p.stats.current! - 0.54) < 0.05,
    JSON.stringify(p.stats),
  );
  assert.equal(p.stats.trend, "decreasing");
  assert.ok(p.stats.change_pct! < -75);
  assert.equal(p.stats.best_step, p.stats.last_step);
  assert.equal(p.stats.non_finite_now, null, "a NaN in the middle: the series is a number now");
});

Deno.test("profile: a series that ends NaN says so, with no finite trend or change from before", () => {
  const values = [...Array.from({ length: 100 }, (_, i) => 2 - i / 100), Infinity, Infinity, NaN, NaN];
  const p = profile("loss", series(values));
  assert.equal(p.stats.non_finite_now, "NaN");
  assert.equal(p.stats.non_finite_since, 103, "NaN since its first NaN, after the infinities");
  assert.equal(p.stats.trend, "non_finite");
  assert.equal(p.stats.change_pct, null);
});

Deno.test("profile: no percentage change of a start near zero", () => {
  const p = profile("train/loss", series(Array.from({ length: 100 }, (_, i) => (i < 50 ? 1e-6 : 0.3))));
  assert.equal(p.stats.change_pct, null);
});

Deno.test("progress from max_steps or epochs; warm-up from the config or a default share", () => {
  assert.deepStrictEqual(progressOf({ max_steps: 3000 }, 1500, null), {
    step: 1500,
    max_steps: 3000,
    fraction: 0.5,
    basis: "max_steps",
  });
  assert.deepStrictEqual(progressOf({ num_train_epochs: 2 }, 700, 1.5), {
    step: 700,
    max_steps: null,
    fraction: 0.75,
    basis: "epochs",
  });
  assert.deepStrictEqual(progressOf(null, 10, null), {
    step: 10,
    max_steps: null,
    fraction: null,
    basis: null,
  });
  assert.equal(warmupEnd({ warmup_steps: 100 }, 1000, 0.05), 100);
  assert.equal(warmupEnd({ warmup_ratio: 0.1, max_steps: 3000 }, 1000, 0.05), 300);
  assert.equal(warmupEnd({}, 1000, 0.05), 50);
});

Deno.test("a projection follows a logarithmic decay to the end of the run", () => {
  const truth = (s: number) => 3 - 0.3 * Math.log(s);
  const p = profile(
    "loss",
    seriesOf(
      Array.from({ length: 500 }, (_, i) => (i + 1) * 2),
      Array.from({ length: 500 }, (_, i) => truth((i + 1) * 2)),
    ),
  );
  const projection = project(p, 3000)!;
  assert.ok(Math.abs(projection.value - truth(3000)) < 0.01, JSON.stringify(projection));
  assert.ok(projection.low <= projection.value && projection.value <= projection.high, "a range around it");
  assert.match(projection.method, /Theil-Sen.*ln\(step\); range/);
  assert.equal(project(p, 500), null, "no projection into the past");
});

Deno.test("metric names are matched flexibly, and explicit choices win", () => {
  assert.deepStrictEqual(assignRoles(["Loss", "eval_loss", "grad-norm", "step_time"]), {
    train_loss: "Loss",
    eval_loss: "eval_loss",
    grad_norm: "grad-norm",
  });
  assert.deepStrictEqual(assignRoles(["val/loss", "train/loss"]).eval_loss, "val/loss");
  assert.equal(assignRoles(["my_loss"], { train_loss: "my_loss" }).train_loss, "my_loss");
});

Deno.test("a run without a loss metric says so instead of guessing", () => {
  const result = analyzeRun({ series: new Map([["accuracy", series([0.1, 0.2])]]), config: null });
  assert.equal(result.verdict, "info");
  assert.equal(result.findings[0].rule, "metrics.missing");
});

Deno.test("analysis stats: a best only where best means something (losses, rewards, accuracies)", () => {
  const loss = series(Array.from({ length: 100 }, (_, i) => 2 - i / 100));
  const lr = series(Array.from({ length: 100 }, (_, i) => 1e-4 * (1 - i / 100)));
  const grad = series(Array.from({ length: 100 }, (_, i) => 1 + (i % 7) / 10));
  const a = analyzeRun({
    series: new Map([["train/loss", loss], ["train/learning_rate", lr], ["train/grad_norm", grad]]),
    config: null,
  });
  const best = Object.fromEntries(a.stats.map((s) => [s.metric, s.best]));
  assert.ok(best["train/loss"] !== null);
  assert.equal(best["train/learning_rate"], null);
  assert.equal(best["train/grad_norm"], null);
});
