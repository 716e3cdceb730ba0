import { rollingMedian } from "./robust.ts";
import type { Profile } from "./stats.ts";
import { T } from "./thresholds.ts";

export interface Spike {
  step: number;
  value: number;
  /** The local median the spike stands out from. */
  baseline: number;
  /** Back near the baseline within SPIKE_RECOVERY_POINTS points. */
  recovered: boolean;
}

/**
 * Points far above their neighbourhood: above `ratio` x the local median and, when `minJump` is
 * given, above it by at least that much. Works on the reduced series, so a spike inside a bucket of a
 * long run still shows as that bucket's maximum.
 */
export function findSpikes(p: Profile, ratio: number, minJump: number, fromStep: number): Spike[] {
  const { reduced } = p;
  const baseline = rollingMedian(reduced.mid, 2 * T("SPIKE_BASELINE_HALF_WINDOW") + 1);
  const spikes: Spike[] = [];
  let lastIndex = -Infinity;
  for (let i = 0; i < reduced.hi.length; i++) {
    const base = baseline[i];
    const value = reduced.hi[i];
    if (reduced.hiStep[i] < fromStep || !(base > 0)) continue;
    if (value <= ratio * base || value - base < minJump) continue;
    const after = reduced.mid.slice(i + 1, i + 1 + T("SPIKE_RECOVERY_POINTS"));
    const spike = {
      step: reduced.hiStep[i],
      value,
      baseline: base,
      recovered: after.some((v) => v <= T("SPIKE_RECOVERED_RATIO") * base),
    };
    if (i - lastIndex <= T("SPIKE_MERGE_BUCKETS") && spikes.length) {
      const prev = spikes[spikes.length - 1];
      if (value > prev.value) {
        spikes[spikes.length - 1] = { ...spike, recovered: spike.recovered || prev.recovered };
      }
    } else spikes.push(spike);
    lastIndex = i;
  }
  return spikes;
}
