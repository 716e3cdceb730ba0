import { T } from "./thresholds.ts";

/** Whether a run is done, still logging, or has gone quiet, and what that means for the next look. */
export interface RunStatus {
  state: "finished" | "running" | "stalled" | "unknown";
  /** Why: "summary row", "max_steps reached", "last log 3 min ago"... */
  basis: string;
  last_log: string | null;
  steps_per_minute: number | null;
  /** While it runs: when it reaches max_steps at its rate so far (ISO time). */
  eta: string | null;
  /** While it runs: the step worth looking again at (the next evaluation, or max_steps). */
  check_again_at_step: number | null;
}

export interface StatusInput {
  firstStep: number | null;
  lastStep: number | null;
  firstTime: string | null;
  lastTime: string | null;
  rows: number;
  maxSteps: number | null;
  /** A summary row (train_runtime) or max_steps reached. */
  finishedBy: string | null;
  /** Steps of the eval loss, to name the next evaluation. */
  evalSteps: ArrayLike<number>;
  now: number;
}

/** Minutes as a person says them: 40 s, 12 min, 5 h, 3 days. */
export function duration(minutes: number): string {
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  if (minutes < 120) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} days`;
}

/** A stored timestamp as milliseconds; naive ones (older Trackio) are read as UTC, as SQLite reads them. */
export function parseStamp(stamp: string | null): number | null {
  if (!stamp) return null;
  const zoned = /[zZ]|[+-]\d\d:?\d\d$/.test(stamp) ? stamp : `${stamp.replace(" ", "T")}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The run's state from its time range and steps: finished (a summary row, or max_steps reached),
 * running (its last log is recent for its own logging interval), or stalled (silent for
 * STALL_INTERVALS of its usual interval, and at least STALL_MIN_MINUTES).
 */
export function runStatus(input: StatusInput): RunStatus {
  const t0 = parseStamp(input.firstTime), t1 = parseStamp(input.lastTime);
  const minutes = t1 === null ? null : Math.max(0, (input.now - t1) / 60000);
  const span = t0 !== null && t1 !== null ? (t1 - t0) / 60000 : null;
  const steps = input.firstStep !== null && input.lastStep !== null ? input.lastStep - input.firstStep : null;
  const rate = span !== null && span > 0 && steps !== null && steps > 0 ? steps / span : null;
  const base = {
    last_log: input.lastTime,
    steps_per_minute: rate === null ? null : Number(rate.toPrecision(3)),
  };
  if (input.finishedBy) {
    return { ...base, state: "finished", basis: input.finishedBy, eta: null, check_again_at_step: null };
  }
  if (minutes === null) {
    return { ...base, state: "unknown", basis: "no timestamps", eta: null, check_again_at_step: null };
  }
  // The usual gap between two logged rows; a run silent for many of them has stopped or hung.
  const interval = span !== null && input.rows > 1 ? span / (input.rows - 1) : null;
  const quiet = interval === null
    ? T("STALL_MIN_MINUTES")
    : Math.max(T("STALL_MIN_MINUTES"), T("STALL_INTERVALS") * interval);
  if (minutes > quiet) {
    return {
      ...base,
      state: "stalled",
      basis: `no new row for ${duration(minutes)} (it logged every ${
        interval === null ? "?" : duration(interval)
      })`,
      eta: null,
      check_again_at_step: null,
    };
  }
  const remaining = input.maxSteps !== null && input.lastStep !== null
    ? input.maxSteps - input.lastStep
    : null;
  const eta = rate !== null && remaining !== null && remaining > 0 && t1 !== null
    ? new Date(t1 + (remaining / rate) * 60000).toISOString()
    : null;
  const evals = input.evalSteps;
  const every = evals.length >= 2 ? evals[evals.length - 1] - evals[evals.length - 2] : null;
  const nextEval = every !== null && every > 0 ? evals[evals.length - 1] + every : null;
  return {
    ...base,
    state: "running",
    basis: `last log ${duration(minutes)} ago`,
    eta,
    check_again_at_step: nextEval ?? input.maxSteps ?? null,
  };
}
