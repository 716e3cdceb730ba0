/**
 * `deno task eval`: how the diagnoses do on the labelled corpus (synthetic runs) and on the real
 * Trackio fixtures, as a confusion table and the list of misses, so a threshold change is judged by
 * numbers.
 */
import { corpus } from "./corpus.ts";
import { confusionTable, evaluate, type Outcome } from "./evaluate.ts";
import { fixtureRuns } from "./fixture_runs.ts";
import { describeScore, realRuns, scoreRealRuns } from "./real_runs.ts";

function report(title: string, outcomes: Outcome[]): number {
  const right = outcomes.filter((o) => o.label === o.predicted).length;
  console.log(`\n${title}: ${right}/${outcomes.length} right\n`);
  console.log(confusionTable(outcomes));
  const misses = outcomes.filter((o) => o.label !== o.predicted);
  if (misses.length) {
    console.log("\nmisses:");
    for (const o of misses) {
      console.log(`  ${o.name}: expected ${o.label}, got ${o.predicted}`);
      for (const f of o.analysis.findings) console.log(`    [${f.severity}] ${f.rule}: ${f.message}`);
    }
  }
  return misses.length;
}

if (import.meta.main) {
  const misses = report("synthetic corpus", evaluate(corpus())) +
    report("real Trackio fixtures", evaluate(await fixtureRuns("head")));
  const real = scoreRealRuns(await realRuns());
  console.log(`\nreal-runs (80 labelled real training histories):\n\n${describeScore(real)}`);
  Deno.exit(misses === 0 ? 0 : 1);
}
