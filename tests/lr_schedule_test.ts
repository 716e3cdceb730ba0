/** The learning-rate schedule in words: warm-up, then constant, linear, cosine or step decay. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { describeSchedule } from "../src/analysis/lr_schedule.ts";
import { seriesOf } from "../src/analysis/series.ts";
import { T } from "../src/analysis/thresholds.ts";
import { runCli } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";

const lr = (f: (s: number) => number, steps = 1000, every = 10) => {
  const xs = Array.from({ length: steps / every }, (_, i) => (i + 1) * every);
  return seriesOf(xs, xs.map(f));
};
const warm = (peak: number, w: number, after: (s: number) => number) => (s: number) =>
  s <= w ? (peak * s) / w : after(s);

Deno.test("describeSchedule: warm-up then cosine, linear, constant or step decay; no warm-up; still warming", () => {
  const max = 1000;
  const cases: [string, (s: number) => number, string, boolean][] = [
    [
      "cosine",
      warm(2e-4, 100, (s) => 1e-4 * (1 + Math.cos((Math.PI * (s - 100)) / (max - 100)))),
      "cosine",
      true,
    ],
    ["linear", warm(2e-4, 100, (s) => 2e-4 * (1 - (s - 100) / (max - 100))), "linear", true],
    ["constant", () => 5e-5, "constant", false],
    ["step", (s) => 1e-3 * 0.1 ** Math.floor(s / 300), "step", false],
  ];
  for (const [name, f, shape, warmup] of cases) {
    const d = describeSchedule("train/learning_rate", lr(f), max)!;
    assert.equal(d.shape, shape, `${name}: ${d.text}`);
    assert.equal(d.warmup, warmup, name);
  }
  const cos = describeSchedule(
    "lr",
    lr(warm(2e-4, 100, (s) => 1e-4 * (1 + Math.cos((Math.PI * (s - 100)) / 900)))),
    1000,
  )!;
  assert.equal(cos.peak_step, 100);
  assert.match(cos.text, /^warm-up to 2\.00e-4 \(step 100\), then cosine decay; now .*, 0% of the peak$/);
  // A run still in warm-up, and a decay whose end is not known (no max_steps): judged on its own points.
  assert.equal(describeSchedule("lr", lr((s) => 1e-6 * s, 200), null)!.shape, "warming_up");
  const open = describeSchedule("lr", lr((s) => 2e-4 * (1 - s / 4000), 1000), null)!;
  assert.equal(open.shape, "linear", open.text);
  assert.equal(describeSchedule("lr", seriesOf([1, 2], [1, 1]), null), null);
});

/** The decay's shape as the two models' full distances give it, each over every point after the peak. */
function shapeByFullFits(steps: number[], values: number[], p: number, maxSteps: number | null): string {
  const peak = values[p], last = values.length - 1;
  const xLast = steps[last] - steps[p], yLast = Math.min(0.999, Math.max(0, values[last] / peak));
  const span = maxSteps !== null && maxSteps > steps[p] ? maxSteps - steps[p] : null;
  const spans = {
    linear: span ?? xLast / (1 - yLast),
    cosine: span ?? (Math.PI * xLast) / Math.acos(2 * yLast - 1),
  };
  const model = {
    linear: (x: number) => Math.max(0, 1 - x / spans.linear),
    cosine: (x: number) => 0.5 * (1 + Math.cos(Math.PI * Math.min(1, x / spans.cosine))),
  };
  const rms = (m: "linear" | "cosine") => {
    let sum = 0;
    for (let i = p; i < steps.length; i++) sum += (values[i] / peak - model[m](steps[i] - steps[p])) ** 2;
    return Math.sqrt(sum / Math.max(1, steps.length - p));
  };
  const [linear, cosine] = [rms("linear"), rms("cosine")];
  return Math.min(linear, cosine) > T("LR_SHAPE_FIT") ? "decaying" : linear <= cosine ? "linear" : "cosine";
}

Deno.test("describeSchedule stops a fit once the shape is decided, with the shape the full fits give", () => {
  const decays = fc.record({
    points: fc.integer({ min: 20, max: 20_000 }),
    // A blend of a line and a half cosine, with noise: near ties between the models, and clear fits.
    blend: fc.double({ min: 0, max: 1, noNaN: true }),
    noise: fc.constantFrom(0, 0.01, 0.04, 0.2),
    end: fc.double({ min: 0.05, max: 1, noNaN: true }),
    maxSteps: fc.option(fc.integer({ min: 1, max: 40_000 })),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });
  fc.assert(
    fc.property(decays, ({ points, blend, noise, end, maxSteps, seed }) => {
      let state = seed;
      const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
      const steps = Array.from({ length: points }, (_, i) => i + 1);
      const values = steps.map((_, i) => {
        const t = (end * i) / points;
        const shape = blend * (1 - t) + (1 - blend) * 0.5 * (1 + Math.cos(Math.PI * t));
        return i === 0 ? 1e-3 : 1e-3 * Math.min(0.999, Math.max(0, shape * (1 + noise * random())));
      });
      const d = describeSchedule("lr", seriesOf(steps, values), maxSteps);
      if (d === null || d.shape === "constant" || d.shape === "step") return;
      assert.equal(d.shape, shapeByFullFits(steps, values, 0, maxSteps));
    }),
    { numRuns: 300 },
  );
});

Deno.test("analyze says the learning-rate phase in words, in the report and the JSON", async () => {
  const dir = fixtureDir("head");
  try {
    const text = await runCli(["analyze", "-p", "sft-qwen", "-r", "baseline-v1", "--dir", dir]);
    assert.match(
      text.stdout,
      /\n {2}learning rate: warm-up to 2\.00e-5 \(step \d+\), then cosine decay; now .* of the peak\n/,
    );
    assert.doesNotMatch(
      text.stdout,
      /train\/learning_rate\s+\S+\s+\S+/,
      "no start/change/best row for the LR",
    );
    const json = JSON.parse(
      (await runCli(["analyze", "-p", "sft-qwen", "-r", "baseline-v1", "--dir", dir, "--json"])).stdout,
    );
    assert.equal(json.runs[0].lr_schedule.shape, "cosine");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
