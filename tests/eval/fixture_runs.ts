/** The real Trackio fixture runs, with the labels tests/fixtures/README.md gives them. */
import { join } from "node:path";
import { RunCollector } from "../../src/analysis/collect.ts";
import { withProject } from "../../src/tools/context.ts";
import { localContext } from "../../src/tools/registry.ts";
import type { LabelledRun } from "./corpus.ts";

export const FIXTURE_LABELS: Record<string, Record<string, string>> = {
  "sft-qwen": {
    "baseline-v1": "healthy",
    "overfit-v2": "loss.overfitting",
    "lr-high": "lr.too_high",
    "nan-blowup": "grad.explosion",
    "plateau": "loss.plateau",
    "lr-low": "lr.too_low",
  },
  "hyperparam-sweep": { "lr-1e-4": "healthy", "lr-2e-5": "healthy", "lr-1e-5": "healthy" },
  "dpo-llama": { "dpo-healthy": "healthy", "dpo-stuck": "dpo.not_learning" },
  "grpo-math": { "grpo-healthy": "healthy", "grpo-kl-blowup": "grpo.kl_blowup" },
  "mymodel": { "r1": "healthy" },
};

export async function fixtureRuns(generation: "v0.5" | "pre-runid" | "head"): Promise<LabelledRun[]> {
  const dir = new URL(join("../fixtures", generation), import.meta.url).pathname;
  const ctx = localContext({ path: dir, source: "--dir" });
  const out: LabelledRun[] = [];
  for (const [project, runs] of Object.entries(FIXTURE_LABELS)) {
    await withProject(ctx, project, async (store) => {
      for (const [name, label] of Object.entries(runs)) {
        const run = await store.resolveRun(name);
        const collector = new RunCollector();
        await store.scanRows(run, undefined, (step, metrics) => collector.add(step, metrics));
        const config = await store.config(run);
        out.push({
          name: `${generation} ${project}/${name}`,
          label,
          data: { series: collector.series, config },
        });
      }
    });
  }
  return out;
}
