/**
 * Writes databases in Trackio's exact on-disk format, for the cases the real fixtures do not cover.
 * The schema of each generation is copied from a fixture Trackio itself wrote, and values are
 * stored as Trackio stores them: JSON as a BLOB, non-finite floats as "NaN"/"Infinity" strings,
 * WAL journal mode.
 */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export type Generation = "v0.5" | "pre-runid" | "head";

export const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;

export function schemaOf(generation: Generation): string[] {
  // Immutable, so reading the fixture leaves no -wal/-shm files in the repository.
  const url = pathToFileURL(join(FIXTURES, generation, "mymodel.db"));
  url.searchParams.set("immutable", "1");
  const db = new DatabaseSync(url, { readOnly: true });
  try {
    return db.prepare(
      "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name <> 'sqlite_sequence' ORDER BY rowid",
    )
      .all().map((r) => String(r.sql));
  } finally {
    db.close();
  }
}

/** Python's float repr for the JSON Trackio writes, non-finite values as Trackio's strings. */
function serialize(value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) {
    return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  }
  return value;
}

export function jsonBlob(obj: Record<string, unknown>): Uint8Array {
  const top = Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, serialize(v)]));
  return new TextEncoder().encode(JSON.stringify(top));
}

export interface LogRow {
  step: number;
  metrics: Record<string, unknown>;
  timestamp: string;
}

/** A Trackio project database being written, as Trackio's Run would. */
export class TrackioDb {
  readonly db: DatabaseSync;
  private logCounter = 0;

  constructor(readonly path: string, readonly generation: Generation, create = true) {
    this.db = new DatabaseSync(path);
    this.db.exec("PRAGMA journal_mode = WAL");
    if (create) { for (const sql of schemaOf(generation)) this.db.exec(sql); }
  }

  get hasRunIds(): boolean {
    return this.generation === "head";
  }

  log(run: string, rows: LogRow[], runId?: string): void {
    const withIds = this.hasRunIds;
    const columns = withIds
      ? "run_id, timestamp, run_name, step, metrics"
      : "timestamp, run_name, step, metrics";
    const extra = this.generation === "v0.5" ? "" : ", log_id";
    const marks = withIds ? "?, ?, ?, ?, ?" : "?, ?, ?, ?";
    const insert = this.db.prepare(
      `INSERT INTO metrics (${columns}${extra}) VALUES (${marks}${extra ? ", ?" : ""})`,
    );
    this.db.exec("BEGIN");
    for (const row of rows) {
      const values = [row.timestamp, run, row.step, jsonBlob(row.metrics)];
      if (withIds) values.unshift(runId ?? run);
      if (extra) values.push(`log-${++this.logCounter}-${crypto.randomUUID()}`);
      insert.run(...values);
    }
    this.db.exec("COMMIT");
  }

  config(
    run: string,
    config: Record<string, unknown>,
    runId?: string,
    createdAt = "2026-01-01T00:00:00+00:00",
  ): void {
    if (this.hasRunIds) {
      this.db.prepare("INSERT INTO configs (run_id, run_name, config, created_at) VALUES (?, ?, ?, ?)")
        .run(runId ?? run, run, jsonBlob(config), createdAt);
    } else {
      this.db.prepare("INSERT INTO configs (run_name, config, created_at) VALUES (?, ?, ?)")
        .run(run, jsonBlob(config), createdAt);
    }
  }

  alert(
    a: {
      run: string;
      runId?: string;
      timestamp: string;
      title: string;
      text?: string;
      level: string;
      step?: number;
    },
  ): void {
    const hasId = this.tableHasRunId("alerts");
    this.db.prepare(
      `INSERT INTO alerts (${hasId ? "run_id, " : ""}timestamp, run_name, title, text, level, step, alert_id)
       VALUES (${hasId ? "?, " : ""}?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      ...(hasId ? [a.runId ?? a.run] : []),
      a.timestamp,
      a.run,
      a.title,
      a.text ?? null,
      a.level,
      a.step ?? null,
      crypto.randomUUID(),
    );
  }

  systemMetrics(run: string, timestamp: string, metrics: Record<string, unknown>, runId?: string): void {
    const hasId = this.tableHasRunId("system_metrics");
    this.db.prepare(
      `INSERT INTO system_metrics (${hasId ? "run_id, " : ""}timestamp, run_name, metrics) VALUES (${
        hasId ? "?, " : ""
      }?, ?, ?)`,
    ).run(...(hasId ? [runId ?? run] : []), timestamp, run, jsonBlob(metrics));
  }

  tableHasRunId(table: string): boolean {
    return this.db.prepare(`SELECT 1 FROM pragma_table_info('${table}') WHERE name = 'run_id'`).get() !==
      undefined;
  }

  /** Closes like Trackio does after a flush: the last connection checkpoints and removes the WAL. */
  close(): void {
    this.db.close();
  }
}

/** `n` rows of a simple decreasing loss, one second apart from `start`. */
export function lossRows(n: number, start = Date.UTC(2026, 0, 1), every = 1): LogRow[] {
  return Array.from({ length: n }, (_, i) => ({
    step: i * every,
    metrics: { loss: 2 / (1 + i * 0.01) },
    timestamp: new Date(start + i * 1000).toISOString().replace("Z", "+00:00"),
  }));
}
