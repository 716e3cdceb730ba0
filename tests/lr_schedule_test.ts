/** The learning-rate schedule in words: warm-up, then constant, linear, cosine or step decay. */
import assert from "node:assert/strict";
import { describeSchedule } from "../src/analysis/lr_schedule.ts";
import { runCli } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";

const lr = (f: (s: number) => number, steps = 1000, every = 10) => {
  const xs = Array.from({ length: steps / every }, (_, i) => (i + 1) * every);
  return { steps: xs, values: xs.map(f) };
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
  assert.equal(describeSchedule("lr", { steps: [1, 2], values: [1, 1] }, null), null);
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
