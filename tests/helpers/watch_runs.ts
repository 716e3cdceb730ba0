/**
 * Runs for `watch` tests, in Trackio's format and timed relative to now (a run's state depends on
 * how long ago it last logged): healthy, diverging, going NaN, gone quiet, finished.
 */
import type { LogRow } from "./trackio_db.ts";

export const stamp = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");

/** `n` rows from `from`, a second apart, the last `endsAgoMs` before now, train loss by `loss`. */
export function curve(
  from: number,
  n: number,
  loss: (step: number) => number | string,
  endsAgoMs = 0,
): LogRow[] {
  const end = Date.now() - endsAgoMs;
  return Array.from({ length: n }, (_, i) => {
    const step = from + i;
    return {
      step,
      timestamp: stamp(end - (n - 1 - i) * 1000),
      metrics: { "train/loss": loss(step), "train/grad_norm": 1 + (step % 5) / 10 },
    };
  });
}

export const falling = (s: number) => 0.6 + 2 / (1 + s * 0.05);
/** Falls, then from step 120 climbs far above where it started. */
export const diverging = (s: number) => (s < 120 ? falling(s) : falling(120) * Math.exp((s - 120) / 15));
/** Falls, then is NaN from step 150 on, as Trackio stores it. */
export const goingNan = (s: number) => (s < 150 ? falling(s) : "NaN");

/** TRL's summary row, which ends a finished run. */
export const summaryRow = (step: number): LogRow => ({
  step,
  timestamp: stamp(Date.now()),
  metrics: { "train/train_runtime": 321.5, "train/train_loss": 0.7 },
});
