/**
 * The Python semantics the Trackio test double needs in order to answer like Trackio 0.36 does:
 * JSON values keep Python's int/float distinction, results are written the way Starlette's
 * JSONResponse writes them, and wrong argument types fail with the messages CPython 3.11 gives.
 */

/** A Python float whose value is integral (`1.0`), which a JS number cannot tell from the int `1`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | PyValue[]
  | Map<string, PyValue>
  | { [key: string]: PyValue };

/** An exception the handler turns into `{"error": message}` with this status (400 or 500). */
export class PyError extends Error {
  constructor(readonly status: 400 | 500, message: string) {
    super(message);
  }
}

/** Raised where Trackio raises `TrackioAPIError` (HTTP 400). */
export const apiError = (message: string) => new PyError(400, message);
/** Raised where Python raises anything else (HTTP 500, `str(exception)`). */
export const pyException = (message: string) => new PyError(500, message);

export function isDict(v: PyValue): v is { [key: string]: PyValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof PyFloat) &&
    !(v instanceof Map);
}

/**
 * Parses JSON as Python's json/orjson would: `1.0` stays a float, integers beyond 2^53 stay exact.
 * Throws SyntaxError on invalid JSON.
 */
export function parsePyJson(text: string): PyValue {
  return JSON.parse(text, (_key, value, context?: { source?: string }) => {
    if (typeof value !== "number" || !Number.isInteger(value) || context?.source === undefined) return value;
    if (/[.eE]/.test(context.source)) return new PyFloat(value);
    return Number.isSafeInteger(value) ? value : BigInt(context.source);
  });
}

export function pyTypeName(v: PyValue): string {
  if (v === null) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  if (v instanceof PyFloat) return "float";
  if (Array.isArray(v)) return "list";
  return "dict";
}

/** Python's `repr(float)`: the shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, expText] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits}${"0".repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
    else out += ch;
  }
  return quote + out + quote;
}

/** Python's `repr()` of a JSON value, as it appears inside exception messages. */
export function pyRepr(v: PyValue): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : floatRepr(v);
  if (typeof v === "string") return strRepr(v);
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  return `{${entries.map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(", ")}}`;
}

/** Python's `str()`, i.e. what an f-string shows. */
export const pyStr = (v: PyValue): string => typeof v === "string" ? v : pyRepr(v);

/**
 * The response body as Starlette writes it (`json.dumps(..., ensure_ascii=False,
 * separators=(",", ":"))`) after Trackio's `_json_safe`, which turns non-finite floats into null.
 */
export function dumpsPy(v: PyValue): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return v.toString();
    case "number":
      if (!Number.isFinite(v)) return "null";
      return Number.isInteger(v)
        ? (Math.abs(v) < 1e21 ? String(Math.trunc(v)) : BigInt(v).toString())
        : floatRepr(v);
    case "string":
      return JSON.stringify(v);
  }
  if (v instanceof PyFloat) return Number.isFinite(v.value) ? floatRepr(v.value) : "null";
  if (Array.isArray(v)) return `[${v.map(dumpsPy).join(",")}]`;
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${dumpsPy(x)}`).join(",")}}`;
}

// Python's str.strip() whitespace, which differs from String.prototype.trim (no BOM, adds \x1c-\x1f).
const PY_SPACE = "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" +
  "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

export function pyStrip(s: string, chars = PY_SPACE): string {
  let start = 0;
  let end = s.length;
  while (start < end && chars.includes(s[start])) start++;
  while (end > start && chars.includes(s[end - 1])) end--;
  return s.slice(start, end);
}

export function pyRstrip(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1])) end--;
  return s.slice(0, end);
}

/** Python's `int(v)` for the `window` argument. */
export function pyInt(v: PyValue): number | bigint {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Math.trunc(v);
  if (v instanceof PyFloat) return v.value;
  if (typeof v === "string") {
    const t = pyStrip(v);
    if (!/^[+-]?\d+(_\d+)*$/.test(t)) {
      throw pyException(`invalid literal for int() with base 10: ${pyRepr(v)}`);
    }
    const n = BigInt(t.replaceAll("_", ""));
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  throw pyException(
    `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`,
  );
}

/** Python's `a - b` / `a + b` where b is an int, with CPython's TypeError for other left operands. */
export function pyArith(op: "-" | "+", a: PyValue, b: number | bigint): PyValue {
  const num = typeof a === "boolean" ? (a ? 1 : 0) : a;
  if (num instanceof PyFloat || (typeof num === "number" && !Number.isInteger(num))) {
    const x = num instanceof PyFloat ? num.value : num;
    const r = op === "-" ? x - Number(b) : x + Number(b);
    return new PyFloat(r);
  }
  if (typeof num === "number" || typeof num === "bigint") {
    if (typeof num === "number" && typeof b === "number") {
      const r = op === "-" ? num - b : num + b;
      if (Number.isSafeInteger(r)) return r;
    }
    return op === "-" ? BigInt(num) - BigInt(b) : BigInt(num) + BigInt(b);
  }
  throw pyException(`unsupported operand type(s) for ${op}: '${pyTypeName(a)}' and 'int'`);
}

/**
 * Trackio's `canonical_project_name`: keeps the characters for which `isalnum()` holds, plus `-`
 * and `_`; an empty result is `default`. It iterates its argument, so a list of strings works too
 * and a number fails the way Python fails.
 */
export function canonicalProjectName(project: PyValue): string {
  let parts: string[];
  if (typeof project === "string") parts = [...project];
  else if (Array.isArray(project)) {
    parts = project.map((c) => {
      if (typeof c !== "string") throw pyException(`'${pyTypeName(c)}' object has no attribute 'isalnum'`);
      return c;
    });
  } else if (project instanceof Map || isDict(project)) {
    parts = project instanceof Map ? [...project.keys()] : Object.keys(project);
  } else throw pyException(`'${pyTypeName(project)}' object is not iterable`);
  const kept = parts.filter((c) => (c.length > 0 && /^[\p{L}\p{N}]+$/u.test(c)) || c === "-" || c === "_");
  return kept.join("") || "default";
}

/** Python's default string order (code points), which UTF-16 comparison gets wrong past U+FFFF. */
export function codePointCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
