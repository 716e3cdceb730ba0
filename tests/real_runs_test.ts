/**
 * The diagnosis on `real-runs`, 80 real training histories labelled by hand: the suite fails when the
 * score drops below the bar, at least 90% of the 47 labelled pathologies found (43) and no healthy run
 * flagged warning or worse. `deno task eval` prints every miss and false alarm.
 */
import assert from "node:assert/strict";
import { describeScore, realRuns, scoreRealRuns } from "./eval/real_runs.ts";

/** The bar: pathologies found at least (90% of 47), healthy runs flagged at most. */
const MIN_FOUND = 43;
const MAX_FALSE_ALARMS = 0;

Deno.test("real-runs: the diagnosis finds the labelled pathologies and leaves healthy runs alone", async () => {
  const score = scoreRealRuns(await realRuns());
  assert.equal(score.labelled, 47);
  assert.equal(score.healthy, 32);
  assert.ok(
    score.found >= MIN_FOUND,
    `found ${score.found}/47, the bar is ${MIN_FOUND}\n${describeScore(score)}`,
  );
  assert.ok(
    score.falseAlarms <= MAX_FALSE_ALARMS,
    `${score.falseAlarms} healthy runs flagged, the bar is ${MAX_FALSE_ALARMS}\n${describeScore(score)}`,
  );
});
