/**
 * How many bytes of values a `query` result may hold, counted as it is read: far more than a
 * person reads or an agent's context takes, and small enough that the rows, their table and their
 * JSON stay within a couple of hundred megabytes whatever the statement selects (every metrics
 * BLOB of a million rows).
 */
export const QUERY_BYTE_BUDGET = 16 * 1024 * 1024;

/**
 * The largest value SQLite may build while running a user's statement (its `SQLITE_LIMIT_LENGTH`,
 * 1 GB by default): SQLite copies a value between subqueries, so `zeroblob(5e8)` alone would take a
 * gigabyte before any check. Four times the result budget leaves room for intermediate values
 * (`length(group_concat(...))`) that end small.
 */
export const QUERY_VALUE_LIMIT = 4 * QUERY_BYTE_BUDGET;

/**
 * What each value costs beyond its own bytes (its slot in a row object): a wide result of NULLs
 * is not free.
 */
export const VALUE_OVERHEAD = 16;

/** Bytes of UTF-8 in `text`, without encoding it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * A value's size the way SQLite's `octet_length` counts it (text in UTF-8, numbers as their text),
 * plus `VALUE_OVERHEAD`: the measure of a row already read, e.g. from a server.
 */
export function valueBytes(value: unknown): number {
  if (value === null || value === undefined) return VALUE_OVERHEAD;
  if (typeof value === "string") return utf8Length(value) + VALUE_OVERHEAD;
  if (value instanceof Uint8Array) return value.byteLength + VALUE_OVERHEAD;
  if (typeof value === "object") return utf8Length(JSON.stringify(value)) + VALUE_OVERHEAD;
  return String(value).length + VALUE_OVERHEAD;
}

export const rowBytes = (row: Record<string, unknown>) =>
  Object.values(row).reduce((sum: number, value) => sum + valueBytes(value), 0);

/**
 * The leading rows of `rows` that fit in `budget` bytes, and the size of the first row left out
 * (undefined when all fit).
 */
export function rowsWithinBudget<R extends Record<string, unknown>>(
  rows: R[],
  budget = QUERY_BYTE_BUDGET,
): { rows: R[]; nextRowBytes?: number } {
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    const bytes = rowBytes(rows[i]);
    if (total + bytes > budget) return { rows: rows.slice(0, i), nextRowBytes: bytes };
    total += bytes;
  }
  return { rows };
}
