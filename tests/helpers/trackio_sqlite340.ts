/**
 * The recorded Trackio server ran SQLite 3.40.1 (through Python's sqlite3); SQLite here is newer
 * and built with other options. For `query_project` the double makes this SQLite answer as 3.40.1
 * did where that can be done from outside: the functions 3.40.1 had and this build lacks (math),
 * the ones it lacked, sum/total/avg's plain floating-point accumulation (newer SQLite compensates
 * rounding, which changes the last digits), and how its authorizer met table-valued functions.
 * Not emulated: REAL-to-text conversion (3.40.1 printed 15 significant digits), round() (3.40.1
 * rounded through its printf), JSON5 input, newer date/time modifiers, and the last digit of some
 * math functions (JS's libm is not glibc's).
 */
import type { AggregateOptions, DatabaseSync, SQLInputValue } from "node:sqlite";

/** Authorizer codes from sqlite3.h (stable); this Deno's node:sqlite types do not declare them yet. */
export const SQLITE_OK = 0;
export const SQLITE_DENY = 1;
export const SQLITE_PRAGMA = 19;
export const SQLITE_READ = 20;
export const SQLITE_SELECT = 21;
export const SQLITE_FUNCTION = 31;

export type Authorizer = (
  action: number,
  arg1: string | null,
  arg2: string | null,
  db: string | null,
  trigger: string | null,
) => number;

/** node:sqlite's `setAuthorizer`, present at run time but missing from the bundled types. */
export function setAuthorizer(db: DatabaseSync, authorizer: Authorizer | null): void {
  (db as DatabaseSync & { setAuthorizer(a: Authorizer | null): void }).setAuthorizer(authorizer);
}

export const SQLITE_VERSION_340 = "3.40.1";

/**
 * Table-valued functions that 3.40.1 refused under Trackio's authorizer: connecting an eponymous
 * virtual table declares its schema, which the authorizer denies. Newer SQLite asks only for a
 * read, which Trackio's authorizer allows, so the double refuses that read with 3.40.1's message.
 */
const VTAB_MODULES = new Set(["json_each", "json_tree", "dbstat", "sqlite_stmt"]);

/** Functions of this SQLite that 3.40.1 did not have (both function lists compared). */
const NEWER_FUNCTIONS = new Set([
  "concat",
  "concat_ws",
  "fts5_get_locale",
  "fts5_insttoken",
  "fts5_locale",
  "if",
  "json_array_insert",
  "json_error_position",
  "json_pretty",
  "octet_length",
  "string_agg",
  "timediff",
  "unhex",
  "unistr",
  "unistr_quote",
]);

/** The message 3.40.1 would have failed with, for an authorizer call this SQLite makes; else null. */
export function refusal340(
  sql: string,
  action: number,
  arg1: string | null,
  arg2: string | null,
  tables: Set<string>,
): string | null {
  if (action === SQLITE_READ && arg1 !== null && !tables.has(arg1.toLowerCase())) {
    const name = arg1.toLowerCase();
    if (name.startsWith("pragma_")) return "not authorized";
    if (VTAB_MODULES.has(name)) return `vtable constructor failed: ${name}`;
  }
  if (action === SQLITE_FUNCTION && arg2 !== null) {
    const name = arg2.toLowerCase();
    if (NEWER_FUNCTIONS.has(name) || name.startsWith("jsonb")) {
      // SQLite names the function as the query spelled it; the authorizer gets it lower-cased.
      const spelled = new RegExp(`(?<![\\w$])${name}(?=\\s*\\()`, "i").exec(sql)?.[0] ?? arg2;
      return `no such function: ${spelled}`;
    }
  }
  return null;
}

/** A prepare error of this SQLite as 3.40.1 worded it (sqlite_stmt was compiled in there). */
export function prepareError340(message: string): string {
  return message === "no such table: sqlite_stmt" ? "vtable constructor failed: sqlite_stmt" : message;
}

type Arg = null | number | bigint | string | Uint8Array;
type Numeric = { int: bigint } | { real: number } | null;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;

/**
 * `sqlite3_value_numeric_type` plus the value: text that is wholly a number becomes INTEGER or
 * REAL, other text stays text (`text` holds what sqlite3_value_double would read from it).
 */
function numeric(v: Arg): Numeric | { text: number } {
  if (v === null) return null;
  if (typeof v === "bigint") return { int: v };
  if (typeof v === "number") return { real: v };
  const s = (typeof v === "string" ? v : new TextDecoder().decode(v)).replace(
    /^[ \t\n\f\r\v]+|[ \t\n\f\r\v]+$/g,
    "",
  );
  const m = NUMBER.exec(s);
  const value = m ? Number(m[0]) : 0;
  if (typeof v !== "string" || !m || m[0].length !== s.length) return { text: value };
  if (Number.isInteger(value) && /^[+-]?\d+$/.test(s) && BigInt(s) >= INT64_MIN && BigInt(s) <= INT64_MAX) {
    return { int: BigInt(s) };
  }
  return Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? { int: BigInt(value) } : { real: value };
}

const toDouble = (n: Numeric | { text: number }): number =>
  n === null ? 0 : "int" in n ? Number(n.int) : "real" in n ? n.real : n.text;

interface SumState {
  rSum: number;
  iSum: bigint;
  cnt: number;
  approx: boolean;
  overflow: boolean;
}

/** 3.40.1's SumCtx: a plain double sum beside an exact integer sum. */
function sumAggregate(result: (s: SumState) => number | bigint | null): AggregateOptions<SQLInputValue> {
  const options = {
    start: (): SumState => ({ rSum: 0, iSum: 0n, cnt: 0, approx: false, overflow: false }),
    step: (s: SumState, v: Arg): SumState => {
      const n = numeric(v);
      if (n === null) return s;
      s.cnt++;
      if ("int" in n) {
        s.rSum += Number(n.int);
        if (!s.approx && !s.overflow) {
          s.iSum += n.int;
          if (s.iSum < INT64_MIN || s.iSum > INT64_MAX) s.approx = s.overflow = true;
        }
      } else {
        s.rSum += toDouble(n);
        s.approx = true;
      }
      return s;
    },
    inverse: (s: SumState, v: Arg): SumState => {
      const n = numeric(v);
      if (n === null) return s;
      s.cnt--;
      if ("int" in n) {
        s.rSum -= Number(n.int);
        s.iSum -= n.int;
      } else s.rSum -= toDouble(n);
      return s;
    },
    result,
    useBigIntArguments: true,
  };
  // The accumulator may be any JS value at run time; the types only allow SQL values.
  return options as unknown as AggregateOptions<SQLInputValue>;
}

function math1(fn: (x: number) => number) {
  return (v: Arg) => {
    const n = numeric(v);
    if (n === null || "text" in n) return null;
    const r = fn(toDouble(n));
    return Number.isNaN(r) ? null : r;
  };
}

function math2(fn: (x: number, y: number) => number) {
  return (a: Arg, b: Arg) => {
    const x = numeric(a);
    const y = numeric(b);
    if (x === null || "text" in x || y === null || "text" in y) return null;
    const r = fn(toDouble(x), toDouble(y));
    return Number.isNaN(r) ? null : r;
  };
}

/** ceil/floor/trunc give an INTEGER argument back unchanged. */
function rounding(fn: (x: number) => number) {
  return (v: Arg) => {
    const n = numeric(v);
    if (n === null || "text" in n) return null;
    return "int" in n ? n.int : fn(n.real);
  };
}

/** ln, and log/log10/log2 as 3.40.1 computes them: the natural logarithm divided by ln(10) or ln(2). */
function logOf(divisor: number) {
  return (v: Arg) => {
    const n = numeric(v);
    if (n === null || "text" in n || toDouble(n) <= 0) return null;
    return Math.log(toDouble(n)) / divisor;
  };
}

/** log(B, X): NULL unless ln(B) > 0 and X > 0. */
function logBase(b: Arg, v: Arg) {
  const base = numeric(b);
  const n = numeric(v);
  if (base === null || "text" in base || toDouble(base) <= 0) return null;
  const lnBase = Math.log(toDouble(base));
  if (lnBase <= 0 || n === null || "text" in n || toDouble(n) <= 0) return null;
  return Math.log(toDouble(n)) / lnBase;
}

/** Registers the 3.40.1 behaviours on a connection used for query_project. */
export function install340(db: DatabaseSync): void {
  const options = { deterministic: true, useBigIntArguments: true };
  db.function("sqlite_version", () => SQLITE_VERSION_340);
  db.aggregate(
    "sum",
    sumAggregate((s) => {
      if (s.cnt <= 0) return null;
      if (s.overflow) throw new Error("integer overflow");
      return s.approx ? s.rSum : s.iSum;
    }),
  );
  db.aggregate("total", sumAggregate((s) => s.rSum));
  db.aggregate("avg", sumAggregate((s) => (s.cnt > 0 ? s.rSum / s.cnt : null)));
  const one: Record<string, (x: number) => number> = {
    acos: Math.acos,
    acosh: Math.acosh,
    asin: Math.asin,
    asinh: Math.asinh,
    atan: Math.atan,
    atanh: Math.atanh,
    cos: Math.cos,
    cosh: Math.cosh,
    degrees: (x) => x * (180 / Math.PI),
    exp: Math.exp,
    radians: (x) => x * (Math.PI / 180),
    sin: Math.sin,
    sinh: Math.sinh,
    sqrt: Math.sqrt,
    tan: Math.tan,
    tanh: Math.tanh,
  };
  for (const [name, fn] of Object.entries(one)) db.function(name, options, math1(fn));
  const two: Record<string, (x: number, y: number) => number> = {
    atan2: Math.atan2,
    mod: (x, y) => x % y,
    pow: Math.pow,
    power: Math.pow,
  };
  for (const [name, fn] of Object.entries(two)) db.function(name, options, math2(fn));
  for (const name of ["ceil", "ceiling"]) db.function(name, options, rounding(Math.ceil));
  db.function("floor", options, rounding(Math.floor));
  db.function("trunc", options, rounding(Math.trunc));
  db.function("pi", { deterministic: true }, () => Math.PI);
  db.function("ln", options, logOf(1));
  db.function("log2", options, logOf(Math.LN2));
  db.function("log10", options, logOf(Math.LN10));
  db.function("log", options, logOf(Math.LN10));
  db.function("log", options, logBase);
}
