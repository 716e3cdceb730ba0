/**
 * Runs for `watch` tests, in Trackio's format and timed relative to now (a run's state depends on
 * how long ago it last logged): healthy, diverging, going NaN, gone quiet, finished.
 */
import type { WatchEvent } from "../../src/watch/event.ts";
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

/** A watch event as the notifiers get it: a critical divergence of run-a, with `over` changed. */
export function watchEvent(over: Partial<WatchEvent> = {}): WatchEvent {
  return {
    kind: "finding_opened",
    time: "2026-01-02T03:04:05.000Z",
    project: "demo",
    run: "run-a",
    // A run is known by its id: each run name of these tests is one run.
    run_id: `id-${over.run ?? "run-a"}`,
    severity: "critical",
    verdict: "critical",
    step: 120,
    rule: "loss.divergence",
    message: "loss rose from 0.9 to 12.5 over 30 steps",
    evidence_steps: [90, 105, 120],
    actions: ["Lower the learning rate (2e-4 → 1e-4).", "Enable gradient clipping."],
    url: "https://huggingface.co/spaces/me/trackio",
    ...over,
  };
}
