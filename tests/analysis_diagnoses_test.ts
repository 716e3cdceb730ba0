/**
 * The diagnoses on labelled runs: the synthetic corpus (clear cases, both sides of each threshold,
 * noisy healthy runs) and Trackio's real fixture runs in all three schema generations. Every run
 * gets its label; no healthy run gets a warning or worse.
 */
import assert from "node:assert/strict";
import { RULE_IDS } from "../src/analysis/rules/ids.ts";
import { RULES } from "../src/analysis/rules/index.ts";
import { corpus } from "./eval/corpus.ts";
import { evaluate } from "./eval/evaluate.ts";
import { fixtureRuns } from "./eval/fixture_runs.ts";

Deno.test("every synthetic run gets its label", () => {
  const outcomes = evaluate(corpus());
  const misses = outcomes.filter((o) => o.label !== o.predicted).map((o) =>
    `${o.name}: ${o.label} -> ${o.predicted}`
  );
  assert.deepStrictEqual(misses, []);
  assert.ok(outcomes.filter((o) => o.label === "healthy").length >= 40, "enough healthy runs");
});

for (const generation of ["v0.5", "pre-runid", "head"] as const) {
  Deno.test(`every fixture run on ${generation} gets its label`, async () => {
    const outcomes = evaluate(await fixtureRuns(generation));
    assert.equal(outcomes.length, 14);
    for (const o of outcomes) {
      assert.equal(o.predicted, o.label, `${o.name}: ${JSON.stringify(o.analysis.findings)}`);
    }
  });
}

Deno.test("the fixture findings carry the evidence their README describes", async () => {
  const byName = new Map(evaluate(await fixtureRuns("head")).map((o) => [o.name.split(" ")[1], o.analysis]));
  const overfit = byName.get("sft-qwen/overfit-v2")!.findings.find((f) => f.rule === "loss.overfitting")!;
  const best = overfit.evidence.find((e) => e.note.startsWith("best eval loss"))!;
  assert.ok(best.step >= 900 && best.step <= 1100, `best eval step ${best.step}`);
  assert.match(overfit.message, /best checkpoint is step \d+/);

  const lrHigh = byName.get("sft-qwen/lr-high")!;
  const spikes = lrHigh.findings.find((f) => f.rule === "lr.too_high")!.evidence.map((e) => e.step);
  for (const expected of [180, 420, 610, 800]) {
    assert.ok(spikes.some((s) => Math.abs(s - expected) <= 5), `spike near ${expected} in ${spikes}`);
  }
  assert.ok(lrHigh.findings.some((f) => f.rule === "loss.divergence" && f.severity === "critical"));

  const nan = byName.get("sft-qwen/nan-blowup")!.findings[0];
  assert.equal(nan.rule, "grad.explosion");
  assert.equal(nan.evidence[0].step, 600, "eval/loss is NaN from step 600, before train/loss");

  const kl = byName.get("grpo-math/grpo-kl-blowup")!;
  assert.ok(kl.findings.some((f) => f.rule === "grpo.reward_collapse"));
  assert.ok(
    !kl.findings.some((f) => f.rule.startsWith("loss.") || f.rule.startsWith("lr.")),
    "GRPO's loss is not judged",
  );

  const baseline = byName.get("sft-qwen/baseline-v1")!;
  assert.equal(baseline.verdict, "ok");
  assert.deepStrictEqual(baseline.progress, {
    step: 1500,
    max_steps: 3000,
    fraction: 0.5,
    basis: "max_steps",
  });
  assert.ok(baseline.projection && baseline.projection.at_step === 3000 && baseline.projection.value < 0.85);
});

Deno.test("RULE_IDS and RULES name the same rules, each once", () => {
  const ran = RULES.map((r) => r.id);
  assert.equal(new Set(ran).size, ran.length, "a rule is in RULES twice");
  assert.deepStrictEqual([...ran].sort(), [...RULE_IDS].sort());
});
