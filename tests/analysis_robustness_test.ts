/**
 * Whatever a run logged, the analysis answers: any number of points (none, one, millions), NaN and
 * infinities anywhere, unsorted and repeated steps, constant or negative values, odd configs. It never
 * throws, always returns a valid verdict, and its result survives JSON.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { compareRuns } from "../src/analysis/compare.ts";
import { analyzeRun } from "../src/analysis/diagnose.ts";
import { SEVERITIES } from "../src/analysis/findings.ts";
import { type Series, seriesOf } from "../src/analysis/series.ts";
import { toJson } from "../src/json.ts";

const value = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 0) },
);
const series: fc.Arbitrary<Series> = fc.array(fc.tuple(fc.integer({ min: -5, max: 5000 }), value), {
  maxLength: 300,
})
  .map((points) => seriesOf(points.map((p) => p[0]), points.map((p) => p[1])));
const names = fc.constantFrom(
  "train/loss",
  "eval/loss",
  "train/grad_norm",
  "train/learning_rate",
  "train/epoch",
  "train/rewards/margins",
  "train/rewards/accuracies",
  "train/reward",
  "train/kl",
  "train/frac_reward_zero_std",
  "train/completions/mean_length",
);
const config = fc.option(
  fc.record({
    max_steps: fc.oneof(fc.integer({ min: -10, max: 10_000 }), fc.constant(0)),
    num_train_epochs: fc.double({ min: 0, max: 5, noNaN: true }),
    warmup_steps: fc.integer({ min: 0, max: 6000 }),
    learning_rate: fc.double({ min: 0, max: 1, noNaN: true }),
  }, { requiredKeys: [] }),
  { nil: null },
);

Deno.test("analyzeRun answers for any series and config, with a valid, JSON-safe result", () => {
  fc.assert(
    fc.property(fc.dictionary(names, series, { maxKeys: 6 }), config, (metrics, cfg) => {
      const result = analyzeRun({
        series: new Map(Object.entries(metrics)),
        config: cfg as Record<string, unknown> | null,
      });
      assert.ok(SEVERITIES.includes(result.verdict));
      for (const f of result.findings) {
        assert.ok(SEVERITIES.includes(f.severity));
        assert.ok(f.message.length > 0 && f.actions.length > 0, f.rule);
      }
      assert.ok(result.recommendation.length > 0);
      JSON.parse(toJson(result));
    }),
    { numRuns: 400 },
  );
});

Deno.test("compareRuns ranks any set of runs, unranked only those without a finite value", () => {
  fc.assert(
    fc.property(
      fc.array(series, { minLength: 1, maxLength: 6 }),
      fc.constantFrom("min", "max"),
      (all, mode) => {
        const inputs = all.map((s, i) => ({
          project: "p",
          run: `r${i}`,
          run_id: `id${i}`,
          series: s,
          config: { lr: i % 2 },
          analysis: analyzeRun({ series: new Map([["eval/loss", s]]), config: null }),
        }));
        const c = compareRuns(inputs, {
          metric: "eval/loss",
          mode: mode as "min" | "max",
          smooth: 3,
          alignMin: true,
        });
        const ranked = c.runs.filter((r) => r.rank !== null);
        assert.deepStrictEqual(ranked.map((r) => r.rank), ranked.map((_, i) => i + 1));
        for (const r of c.runs) assert.equal(r.rank === null, r.value === null, r.run);
        assert.equal(c.best?.run ?? null, ranked[0]?.run ?? null);
        JSON.parse(toJson(c));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a short, noisy, trendless run has no best to diverge from: no loss.divergence", () => {
  // 24 logs of noise around 2.0 (+-15%), ending on a high stretch of the noise.
  const noise = [
    0,
    0.12,
    -0.14,
    0.08,
    -0.1,
    0.13,
    -0.06,
    0.1,
    -0.15,
    0.05,
    -0.12,
    0.11,
    -0.08,
    0.14,
    -0.1,
    0.09,
    -0.13,
    0.12,
    0.02,
    0.1,
    0.06,
    0.13,
    0.08,
    0.12,
  ];
  const loss: Series = seriesOf(noise.map((_, i) => (i + 1) * 10), noise.map((n) => 2 * (1 + n)));
  const analysis = analyzeRun({ series: new Map([["train/loss", loss]]), config: null });
  assert.ok(!analysis.findings.some((f) => f.rule === "loss.divergence"), JSON.stringify(analysis.findings));
});

Deno.test("a run of 300,000 points with a logged learning rate is analyzed (no spread of a long array)", () => {
  const n = 300_000;
  const steps = Array.from({ length: n }, (_, i) => i + 1);
  const series = new Map<string, Series>([
    ["train/loss", seriesOf(steps, steps.map((s) => 2 * Math.exp(-s / 50000) + 0.5 + 0.05 * Math.sin(s)))],
    ["train/learning_rate", seriesOf(steps, steps.map(() => 1e-4))],
    ["train/grad_norm", seriesOf(steps, steps.map((s) => 1 + 0.1 * Math.sin(s * 7)))],
  ]);
  assert.equal(analyzeRun({ series, config: null }).verdict, "ok");
});
