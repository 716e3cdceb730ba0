/**
 * Trackio stores non-finite floats as the strings "NaN", "Infinity" and "-Infinity". Inside
 * trackio-cli they are numbers; on the way out they become those strings again, so every JSON we
 * print is valid JSON that loses nothing (Trackio's own CLI prints bare NaN, its HTTP API null).
 */
export function encodeNonFinite(value: number): number | string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return value;
}

/** A stored top-level metric value as a number when it is one of Trackio's non-finite strings. */
export function decodeNonFinite(value: unknown): unknown {
  if (value === "NaN") return NaN;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  return value;
}

function replacer(_key: string, value: unknown): unknown {
  return typeof value === "number" ? encodeNonFinite(value) : value;
}

/** JSON.stringify that writes non-finite numbers the way Trackio stores them. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, replacer, indent);
}
