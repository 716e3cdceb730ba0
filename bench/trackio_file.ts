/**
 * Building benchmark databases in Trackio's current format: the DDL is copied from a real Trackio
 * fixture, and a file is built under a temporary name and renamed when complete, so an interrupted
 * build is never mistaken for a finished one.
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const DATA_DIR = new URL("./data/", import.meta.url).pathname;

const SCHEMA_SOURCE = new URL("../tests/fixtures/head/mymodel.db", import.meta.url).pathname;

function trackioDdl(): string[] {
  const sourceUrl = pathToFileURL(SCHEMA_SOURCE);
  sourceUrl.searchParams.set("immutable", "1");
  const source = new DatabaseSync(sourceUrl, { readOnly: true });
  try {
    return source.prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name <> 'sqlite_sequence'")
      .all().map((r) => String(r.sql));
  } finally {
    source.close();
  }
}

/** The path of `name` in bench/data, built by `fill` once and kept between bench runs. */
export function ensureDatabase(name: string, fill: (db: DatabaseSync) => void): string {
  const path = join(DATA_DIR, name);
  try {
    if (Deno.statSync(path).size > 0) return path;
  } catch {
    // Build it below.
  }
  Deno.mkdirSync(DATA_DIR, { recursive: true });
  const tmp = `${path}.tmp`;
  try {
    Deno.removeSync(tmp);
  } catch {
    // Nothing to remove.
  }
  const db = new DatabaseSync(tmp);
  db.exec("PRAGMA journal_mode = WAL");
  for (const sql of trackioDdl()) db.exec(sql);
  db.exec("BEGIN");
  fill(db);
  db.exec("COMMIT");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  Deno.renameSync(tmp, path);
  return path;
}

/** Trackio's timestamp form: microseconds and an explicit UTC offset. */
export const trackioTime = (ms: number) => new Date(ms).toISOString().replace("Z", "000+00:00");
