import { type Severity, severityRank } from "../analysis/findings.ts";
import { usageError } from "../errors.ts";

/** How much an event matters, as a threshold: every severity but `ok`. */
export type Level = Exclude<Severity, "ok">;

/**
 * Our severities and Trackio's alert levels name the same three steps (trackio/alerts.py: info, warn,
 * error), so a TRACKIO_WEBHOOK_MIN_LEVEL written for Trackio means the same here.
 */
const SPELLINGS = new Map<string, Level>([
  ["info", "info"],
  ["warning", "warning"],
  ["warn", "warning"],
  ["critical", "critical"],
  ["error", "critical"],
]);

/** A level from a flag or an environment variable (`origin` names it in the error), any case. */
export function minLevelOf(text: string, origin: string): Level {
  const level = SPELLINGS.get(text.trim().toLowerCase());
  if (level !== undefined) return level;
  throw usageError(
    `${origin}: '${text}' is not a level: use info, warning or critical (or Trackio's info, warn, error)`,
  );
}

/** Whether an event of `severity` passes a threshold of `min`. */
export const atLeast = (severity: Severity, min: Level): boolean =>
  severityRank(severity) >= severityRank(min);
