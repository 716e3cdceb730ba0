/**
 * The least work a Trackio server does for an exact remote `analyze` of the million-step run sent
 * gzipped (as to a client across a network; a client on its machine asks for plain answers), timed on
 * the same file in this process: node:sqlite for the SQL, JSON.stringify for the answer, node:zlib's
 * gzip at level 6 (deflate at Trackio's level, as Trackio's Python gzip compresses), and beside it
 * brotli at quality 5, Trackio's other coding. Every value the analysis reads has to be selected, put
 * in a JSON answer and compressed, whatever the client then does with it, and Trackio's server does one
 * request at a time. The two forms a scan's rows can take (see
 * src/store/remote/scan_plan.ts), each at its cheapest:
 * - as stored: each row's text, joined by SQLite, in pages of 100,000 rows by id;
 * - extracted: the steps and the four series analyze reads value by value (the epoch is left out: only
 *   its last value is read), after the search for the run's keys that extraction needs (Trackio refuses
 *   `json_each`, so the search ends with a pass of `json_remove` over every row).
 * Left out: HTTP, round trips, the client, Python's own overhead, and SQLite 3.40's slower JSON (this
 * SQLite is newer): a floor, not an estimate.
 */
import { DatabaseSync } from "node:sqlite";
import zlib from "node:zlib";
import { BIG_DB, BIG_RUN_ID } from "./make_big_run.ts";
import { extractChunks, METRICS_TEXT, removeKeys } from "../src/store/remote/sql.ts";

/** Every key of the big run's rows (make_big_run.ts); the key search below checks there are no others. */
const KEYS = [
  "train/loss",
  "train/grad_norm",
  "train/learning_rate",
  "train/epoch",
  "train/global_step",
  "eval/loss",
  "eval/runtime",
];
const READ_BY_ANALYZE = ["train/loss", "train/grad_norm", "train/learning_rate", "eval/loss"];
const PAGE_ROWS = 100_000;

export interface Floor {
  sql: number;
  json: number;
  gzip: number;
  /** SQL, JSON and gzip. */
  total: number;
  /** Brotli at quality 5, what Trackio sends a client that accepts br, instead of the gzip. */
  brotli: number;
  /** Bytes sent, gzipped and as brotli. */
  gzipBytes: number;
  brotliBytes: number;
}

function timed<T>(spent: { ms: number }, work: () => T): T {
  const started = performance.now();
  try {
    return work();
  } finally {
    spent.ms += performance.now() - started;
  }
}

/**
 * Seconds of SQL (`searchMs` of it spent before the pages), JSON and gzip for every page of the run's
 * rows, `columns` being what a page selects.
 */
function pagesFloor(db: DatabaseSync, columns: string, searchMs = 0): Floor {
  const sql = { ms: searchMs }, json = { ms: 0 }, gzip = { ms: 0 }, brotli = { ms: 0 };
  const brotliQuality5 = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } };
  let gzipBytes = 0, brotliBytes = 0;
  const ends = db.prepare("SELECT MIN(id) AS lo, MAX(id) AS hi FROM metrics WHERE run_id = ?").get(
    BIG_RUN_ID,
  );
  const lo = Number(ends?.lo), hi = Number(ends?.hi);
  const page = db.prepare(
    `SELECT COUNT(*) AS n, ${columns} FROM metrics WHERE +run_id = ? AND id >= ? AND id < ?`,
  );
  for (let from = lo; from <= hi; from += PAGE_ROWS) {
    const row = timed(sql, () => page.get(BIG_RUN_ID, from, from + PAGE_ROWS));
    const body = timed(json, () => new TextEncoder().encode(JSON.stringify({ data: [row] })));
    gzipBytes += timed(gzip, () => zlib.gzipSync(body, { level: 6 })).length;
    brotliBytes += timed(brotli, () => zlib.brotliCompressSync(body, brotliQuality5)).length;
  }
  const seconds = (spent: { ms: number }) => spent.ms / 1000;
  return {
    sql: seconds(sql),
    json: seconds(json),
    gzip: seconds(gzip),
    total: seconds(sql) + seconds(json) + seconds(gzip),
    brotli: seconds(brotli),
    gzipBytes,
    brotliBytes,
  };
}

export function storedFloor(): Floor {
  const db = new DatabaseSync(BIG_DB, { readOnly: true });
  try {
    return pagesFloor(db, `group_concat(${METRICS_TEXT}, ',') AS page, group_concat(step, ',') AS steps`);
  } finally {
    db.close();
  }
}

export function extractedFloor(): Floor {
  const db = new DatabaseSync(BIG_DB, { readOnly: true });
  try {
    const search = { ms: 0 };
    const other = timed(search, () =>
      db.prepare(
        `SELECT 1 FROM metrics WHERE run_id = ? AND ${removeKeys(METRICS_TEXT, KEYS)} != '{}' LIMIT 1`,
      ).get(BIG_RUN_ID));
    if (other) throw new Error("the big run has keys this floor does not know: update KEYS");
    const values = extractChunks(METRICS_TEXT, READ_BY_ANALYZE);
    return pagesFloor(db, `group_concat(json_array(step, ${values}), ',') AS page`, search.ms);
  } finally {
    db.close();
  }
}
