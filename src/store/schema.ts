import type { ReadOnlyDatabase } from "./open.ts";

/** Trackio's schema generations, as `doctor` names them. */
export type Generation = "v0.5" | "pre-runid" | "current" | "upgraded" | "empty";

/**
 * What one database file holds. Trackio never migrates, so a file an older Trackio created and a
 * newer one kept writing mixes generations: each table is judged on its own.
 */
export interface Schema {
  tables: Set<string>;
  /** Columns per table, for the tables we read. */
  columns: Map<string, Set<string>>;
}

const READ_TABLES = ["metrics", "configs", "alerts", "system_metrics"];

export function readSchema(db: ReadOnlyDatabase): Schema {
  const tables = new Set(
    db.all("SELECT name FROM sqlite_schema WHERE type = 'table'").map((r) => String(r.name)),
  );
  const columns = new Map<string, Set<string>>();
  for (const table of READ_TABLES) {
    if (!tables.has(table)) continue;
    columns.set(
      table,
      new Set(db.all(`SELECT name FROM pragma_table_info('${table}')`).map((r) => String(r.name))),
    );
  }
  return { tables, columns };
}

export function hasColumn(schema: Schema, table: string, column: string): boolean {
  return schema.columns.get(table)?.has(column) ?? false;
}

/** Runs are keyed by `run_id` where the metrics table has it, else by `run_name`. */
export function runsHaveIds(schema: Schema): boolean {
  return hasColumn(schema, "metrics", "run_id");
}

export function generationOf(schema: Schema): Generation {
  if (!schema.tables.has("metrics")) return "empty";
  if (runsHaveIds(schema)) return "current";
  const newerTablesHaveIds = ["alerts", "system_metrics"].some((t) => hasColumn(schema, t, "run_id"));
  if (newerTablesHaveIds) return "upgraded";
  if (
    schema.tables.has("alerts") || schema.tables.has("system_metrics") ||
    hasColumn(schema, "metrics", "log_id")
  ) {
    return "pre-runid";
  }
  return "v0.5";
}
