/**
 * The Trackio test double (helpers/trackio_server.ts) against the real Trackio 0.36 server: every
 * request recorded in fixtures/trackio-http/ is sent again, over HTTP and byte for byte, to the
 * double serving copies of the same databases, and must get the recorded answer. The databases
 * must come out untouched, with no -wal/-shm files beside them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startTrackioServer } from "./helpers/trackio_server.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const GENERATIONS = ["head", "pre-runid", "v0.5"] as const;

/** The answer holds the serving machine's paths (placeholders in the recordings): keys only. */
const BODY_EXCEPTED = new Set(["/api/get_settings"]);
const SETTINGS_PATH_FIELDS = new Set(["logo_urls", "media_dir"]);

interface Pair {
  seq: number;
  id: string;
  group: string;
  method: string;
  path: string;
  body: unknown;
  body_raw?: string;
  request_headers?: Record<string, string>;
  status: number;
  content_type: string;
  response?: unknown;
  response_text?: string;
  response_headers?: Record<string, string>;
  content_encoding?: string | null;
  db_check?: { file: string; sha256_before: string };
}

async function readRecording(generation: string): Promise<{ pairs: Pair[]; lines: string[] }> {
  const file = await Deno.open(join(FIXTURES, "trackio-http", `${generation}.jsonl.gz`));
  const text = await new Response(file.readable.pipeThrough(new DecompressionStream("gzip"))).text();
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  return { pairs: lines.map((line) => JSON.parse(line)), lines };
}

/** A number as the recording wrote it (Python's repr), so that `1.0` is sent as `1.0`. */
class RawNumber {
  constructor(readonly source: string) {}
}

function compactWithRawNumbers(v: unknown): string {
  if (v instanceof RawNumber) return v.source;
  if (Array.isArray(v)) return `[${v.map(compactWithRawNumbers).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${
      Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${compactWithRawNumbers(x)}`).join(",")
    }}`;
  }
  return JSON.stringify(v);
}

function parseWithRawNumbers(line: string): { body: unknown; response?: unknown } {
  return JSON.parse(
    line,
    (_k, v, ctx?: { source?: string }) =>
      typeof v === "number" && ctx?.source !== undefined ? new RawNumber(ctx.source) : v,
  );
}

/**
 * The request bytes: `body_raw` when given, else the body as the recorder wrote it,
 * `json.dumps(body, separators=(",", ":"), ensure_ascii=False)`.
 */
function requestBody(pair: Pair, raw: { body: unknown }): string | undefined {
  if (pair.body_raw !== undefined) return pair.body_raw;
  if (pair.method !== "POST") return undefined;
  return compactWithRawNumbers(raw.body);
}

/**
 * How many bytes the real server sent: Starlette writes `json.dumps(..., separators=(",", ":"),
 * ensure_ascii=False)`, which the recording's own number tokens reproduce. A count, because the
 * order of integer-like keys does not survive a JS object.
 */
function recordedBytes(pair: Pair, raw: { response?: unknown }): number {
  const text = pair.response_text ?? compactWithRawNumbers(raw.response);
  return new TextEncoder().encode(text).length;
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) files.set(entry.name, await sha256(join(dir, entry.name)));
  return files;
}

function checkSettings(got: unknown, recorded: unknown, where: string): void {
  const g = (got as { data: Record<string, unknown> }).data;
  const r = (recorded as { data: Record<string, unknown> }).data;
  assert.deepStrictEqual(Object.keys(g).sort(), Object.keys(r).sort(), where);
  for (const key of Object.keys(r)) {
    if (!SETTINGS_PATH_FIELDS.has(key)) assert.deepStrictEqual(g[key], r[key], `${where}: ${key}`);
  }
}

async function replay(generation: string): Promise<void> {
  const { pairs, lines } = await readRecording(generation);
  const dir = await Deno.makeTempDir({ prefix: `trackio-http-${generation}-` });
  try {
    await replayIn(dir, generation, pairs, lines);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function replayIn(dir: string, generation: string, pairs: Pair[], lines: string[]): Promise<void> {
  const source = join(FIXTURES, generation);
  for await (const entry of Deno.readDir(source)) {
    if (entry.name.endsWith(".db")) await Deno.copyFile(join(source, entry.name), join(dir, entry.name));
  }
  const before = await snapshot(dir);
  assert.equal(before.size, 5, `five databases served: ${[...before.keys()]}`);
  for (const pair of pairs) {
    // The recorder's own check of the served copy: the same files as here.
    if (pair.db_check) assert.equal(before.get(pair.db_check.file), pair.db_check.sha256_before, pair.id);
  }

  const server = startTrackioServer({ dir });
  let compared = 0;
  try {
    for (const [i, pair] of pairs.entries()) {
      assert.equal(pair.seq, i, "recordings are replayed in file order");
      const where = `${generation} #${pair.seq} ${pair.id}`;
      const headers: Record<string, string> = { "Accept-Encoding": "identity" };
      if (pair.method === "POST") headers["Content-Type"] = "application/json";
      Object.assign(headers, pair.request_headers);
      const raw = parseWithRawNumbers(lines[i]);
      const response = await fetch(new URL(pair.path, server.url), {
        method: pair.method,
        headers,
        body: requestBody(pair, raw),
      });
      const text = await response.text();
      assert.equal(response.status, pair.status, `${where}: status; body ${text.slice(0, 300)}`);
      assert.equal(response.headers.get("content-type"), pair.content_type, `${where}: content-type`);
      if (pair.content_encoding === "gzip") {
        assert.equal(response.headers.get("content-encoding"), "gzip", `${where}: gzip`);
      }
      if (pair.response_text !== undefined) {
        assert.equal(text, pair.response_text, where);
      } else {
        const got = JSON.parse(text);
        if (pair.status >= 400) assert.equal(typeof got.error, "string", `${where}: an error field`);
        if (BODY_EXCEPTED.has(pair.path)) {
          checkSettings(got, pair.response, where);
          continue;
        }
        assert.deepStrictEqual(got, pair.response, where);
      }
      // Written as Trackio writes it (separators, float repr), so benchmarks' byte counts hold.
      assert.equal(new TextEncoder().encode(text).length, recordedBytes(pair, raw), `${where}: bytes`);
      const length = pair.response_headers?.["content-length"];
      if (length !== undefined) {
        assert.equal(response.headers.get("content-length"), length, `${where}: content-length`);
      }
      compared++;
    }
  } finally {
    await server.close();
  }

  const excepted = pairs.filter((p) => BODY_EXCEPTED.has(p.path)).length;
  assert.equal(excepted, 5, "one get_settings per project");
  assert.equal(compared, pairs.length - excepted, "every other pair compared in full");
  assert.equal(server.stats.requests, pairs.length);
  console.log(
    `${generation}: ${compared} of ${pairs.length} pairs equal (${excepted} get_settings: keys only)`,
  );

  const after = await snapshot(dir);
  assert.deepStrictEqual(after, before, "the databases are unchanged and nothing else was created");
}

for (const generation of GENERATIONS) {
  Deno.test(`Trackio double answers every recorded request like Trackio 0.36 (${generation})`, async () => {
    await replay(generation);
  });
}
