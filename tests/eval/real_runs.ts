/**
 * The `real-runs` corpus (tests/fixtures/real-runs/, from ../shared/real-runs): 80 real training
 * histories labelled by hand, as a Trackio database. Each run is analyzed the way `analyze` reads it
 * (the same store and the same path from rows to findings), and scored against its labels.
 */
import { join } from "node:path";
import type { RunReport as RunAnalysis } from "../../src/tools/analyze_run.ts";
import { severityRank } from "../../src/analysis/findings.ts";
import { analyzeStoredRun } from "../../src/tools/analyze_run.ts";
import { withProject } from "../../src/tools/context.ts";
import { localContext } from "../../src/tools/registry.ts";

const FIXTURE = new URL("../fixtures/real-runs/", import.meta.url).pathname;

export interface RealRun {
  id: string;
  kind: string;
  labels: string[];
  evidence: string;
  analysis: RunAnalysis;
}

/** Labels of a healthy run: it is a false alarm when its verdict is warning or worse. */
export const HEALTHY_LABELS = new Set(["healthy", "dpo_healthy", "grpo_healthy"]);

/** Which findings name each pathology: a label is found when one of them fires, at any severity. */
export const LABEL_RULES: Record<string, (rule: string) => boolean> = {
  overfitting: (r) => r === "loss.overfitting",
  plateau: (r) => r === "loss.plateau",
  lr_too_high: (r) => r === "lr.too_high" || r === "loss.divergence" || r === "loss.instability",
  lr_too_low: (r) => r === "lr.too_low",
  // lr.too_high names them too: it fires on repeated loss spikes.
  loss_spikes: (r) => r === "loss.spike" || r === "loss.instability" || r === "lr.too_high",
  gradient_explosion: (r) => r === "grad.explosion" || r === "grad.spike",
  nan_or_inf: (r) => r.endsWith(".nonfinite") || r === "grad.explosion",
  dpo_unhealthy: (r) => r.startsWith("dpo.") && r !== "dpo.healthy",
  grpo_unhealthy: (r) => r.startsWith("grpo.") && r !== "grpo.healthy",
};

/** The runs, analyzed; the database is unpacked into a temporary directory and removed after. */
export async function realRuns(): Promise<RealRun[]> {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-real-runs-" });
  try {
    const packed = await Deno.open(join(FIXTURE, "real-runs.db.gz"));
    const bytes = new Uint8Array(
      await new Response(packed.readable.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer(),
    );
    Deno.writeFileSync(join(dir, "real-runs.db"), bytes);
    const manifest = Deno.readTextFileSync(join(FIXTURE, "manifest.jsonl")).trim().split("\n")
      .map((l) => JSON.parse(l) as { id: string; kind: string; labels: string[]; evidence: string });
    const ctx = localContext({ path: dir, source: "--dir" });
    return await withProject(ctx, "real-runs", async (store) => {
      const out: RealRun[] = [];
      for (const m of manifest) {
        const run = await store.resolveRun(m.id);
        const { report } = await analyzeStoredRun(store, run, {});
        out.push({ ...m, analysis: report });
      }
      return out;
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

export interface RealRunScore {
  /** Labelled pathologies (run, label) found, out of `labelled`. */
  found: number;
  labelled: number;
  /** Healthy runs given warning or worse, out of `healthy`. */
  falseAlarms: number;
  healthy: number;
  misses: { id: string; label: string; analysis: RunAnalysis }[];
  alarms: { id: string; analysis: RunAnalysis }[];
  /** Per label: how many found of how many. */
  byLabel: Map<string, { found: number; of: number }>;
  runs: RealRun[];
}

export function scoreRealRuns(runs: RealRun[]): RealRunScore {
  const score: RealRunScore = {
    found: 0,
    labelled: 0,
    falseAlarms: 0,
    healthy: 0,
    misses: [],
    alarms: [],
    byLabel: new Map(),
    runs,
  };
  for (const run of runs) {
    for (const label of run.labels) {
      if (label === "ambiguous") continue;
      if (HEALTHY_LABELS.has(label)) {
        score.healthy++;
        if (severityRank(run.analysis.verdict) >= severityRank("warning")) {
          score.falseAlarms++;
          score.alarms.push({ id: run.id, analysis: run.analysis });
        }
        continue;
      }
      const names = LABEL_RULES[label];
      if (!names) throw new Error(`run ${run.id}: unknown label ${label}`);
      const entry = score.byLabel.get(label) ?? { found: 0, of: 0 };
      entry.of++;
      score.labelled++;
      if (run.analysis.findings.some((f) => names(f.rule))) {
        entry.found++;
        score.found++;
      } else score.misses.push({ id: run.id, label, analysis: run.analysis });
      score.byLabel.set(label, entry);
    }
  }
  return score;
}

/** The score as `deno task eval` prints it: per label, then every miss and false alarm with its findings. */
export function describeScore(score: RealRunScore): string {
  const pct = (a: number, b: number) => `${Math.round((a / Math.max(1, b)) * 100)}%`;
  const num = (v: number | null) => (v === null ? "-" : Number(v.toPrecision(3)).toString());
  // The numbers the rules saw, so a miss shows which side of a threshold it fell on.
  const numbers = (a: RunAnalysis) =>
    a.stats.map((s) =>
      `      ${s.metric}: ${s.points} points, start ${num(s.start)} -> now ${num(s.current)} ` +
      `(${s.change_pct === null ? "-" : `${num(s.change_pct)}%`}), best ${num(s.best)} @${
        s.best_step ?? "-"
      }, ` +
      `${s.trend}, noise ${s.noise_pct === null ? "-" : `${num(s.noise_pct)}%`}`
    ).join("\n");
  const findings = (a: RunAnalysis) =>
    [
      a.findings.map((f) => `      [${f.severity}] ${f.rule}: ${f.message}`).join("\n") ||
      "      (no findings)",
      numbers(a),
    ].filter(Boolean).join("\n");
  return [
    `pathologies found: ${score.found}/${score.labelled} (${pct(score.found, score.labelled)}); ` +
    `healthy runs flagged warning or worse: ${score.falseAlarms}/${score.healthy}`,
    "",
    "  label               found",
    ...[...score.byLabel].sort().map(([label, e]) => `  ${label.padEnd(20)}${e.found}/${e.of}`),
    "",
    confusion(score),
    "",
    "misses:",
    ...score.misses.map((m) =>
      `  ${m.id} (${m.label}): verdict ${m.analysis.verdict}\n${findings(m.analysis)}`
    ),
    "",
    "false alarms:",
    ...score.alarms.map((a) => `  ${a.id}: verdict ${a.analysis.verdict}\n${findings(a.analysis)}`),
  ].join("\n");
}

/** Label against finding: for each label, how many of its runs each rule fired on (any severity). */
function confusion(score: RealRunScore): string {
  const runs = score.runs;
  const labels = [...new Set(runs.flatMap((r) => r.labels))].filter((l) => l !== "ambiguous").sort();
  const rules = [...new Set(runs.flatMap((r) => r.analysis.findings.map((f) => f.rule)))].sort();
  const short = rules.map((_, i) => `(${i + 1})`);
  const width = Math.max(...labels.map((l) => l.length));
  return [
    `label \\ finding${" ".repeat(Math.max(1, width - 13))}${short.map((x) => x.padStart(5)).join("")}`,
    ...labels.map((label) => {
      const of = runs.filter((r) => r.labels.includes(label));
      const cells = rules.map((rule) => {
        const n = of.filter((r) => r.analysis.findings.some((f) => f.rule === rule)).length;
        return String(n || "").padStart(5);
      });
      return `${label.padEnd(width + 2)}${cells.join("")}`;
    }),
    "",
    ...rules.map((rule, i) => `  ${short[i]} ${rule}`),
  ].join("\n");
}
