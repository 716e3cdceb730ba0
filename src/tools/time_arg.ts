import { arg, usageError } from "../errors.ts";

/** What a time argument accepts, for the error that rejects anything else. */
export const TIME_FORMS =
  "an ISO-8601 time (2026-08-24, 2026-08-24T09:15:00 in UTC, 2026-08-24T09:15:00+02:00), " +
  "a time ago (30s, 15m, 2h, 1d, 1w) or Unix seconds (1756000000)";

// The forms SQLite's date functions read, which both sources compare with; a zone is Z or +-HH:MM.
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;
const AGO = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)(?:\s+ago)?$/i;
// 9 to 11 digits: 1973 to 5138. Fewer would be a date typed without dashes, not an instant.
const UNIX = /^\d{9,11}(?:\.\d+)?$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * The instant `text` names, as ISO-8601 text both sources compare timestamps with: an ISO time as it
 * was given, a relative one ("2h": two hours before `now`) or Unix seconds in UTC; null when it names
 * none (a typo must not become a filter that matches nothing).
 */
export function parseInstant(text: string, now: number = Date.now()): string | null {
  const given = text.trim();
  if (ISO.test(given)) {
    const day = given.slice(0, 10);
    // SQLite would roll 2026-02-30 over into March; a date that does not exist is a typo.
    const date = new Date(`${day}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day && validClock(given)
      ? given
      : null;
  }
  const ago = AGO.exec(given);
  if (ago) return isoUtc(now - Number(ago[1]) * UNIT_SECONDS[ago[2].toLowerCase()] * 1000);
  if (UNIX.test(given)) return isoUtc(Number(given) * 1000);
  return null;
}

function validClock(iso: string): boolean {
  const clock = /[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(iso);
  const zone = /([+-])(\d{2}):(\d{2})$/.exec(iso.slice(10));
  return (!clock || (Number(clock[1]) < 24 && Number(clock[2]) < 60 && Number(clock[3] ?? 0) < 60)) &&
    (!zone || (Number(zone[2]) < 24 && Number(zone[3]) < 60));
}

/** ISO text of an instant; null beyond what a date can hold (about 275,000 years either way). */
const isoUtc = (ms: number) =>
  Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().replace("Z", "+00:00") : null;

/** The instant of a time argument, or a usage error naming the argument and the accepted forms. */
export function instantArg(field: string, text: string): string {
  const instant = parseInstant(text);
  if (instant === null) throw usageError(`${arg(field)} '${text}' is not a time: give ${TIME_FORMS}`);
  return instant;
}
