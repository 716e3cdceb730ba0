import { refused, usageError } from "../errors.ts";

/** The schema pragmas a reader needs; every other pragma could change state or is of no use. */
const READ_PRAGMAS =
  /^pragma\s+(main\.)?(table_info|table_xinfo|table_list|index_list|index_info|index_xinfo|foreign_key_list)\s*(\(\s*['"]?[\w/-]+['"]?\s*\))?\s*;?\s*$/i;

/** Drops leading SQL comments and blanks, so the first keyword can be judged. */
export function stripLeadingComments(sql: string): string {
  let rest = sql.trimStart();
  while (true) {
    if (rest.startsWith("--")) {
      rest = rest.slice(rest.indexOf("\n") === -1 ? rest.length : rest.indexOf("\n")).trimStart();
    } else if (rest.startsWith("/*")) {
      rest = rest.slice(rest.indexOf("*/") === -1 ? rest.length : rest.indexOf("*/") + 2).trimStart();
    } else return rest;
  }
}

/**
 * Refuses anything but one reading statement: SELECT, WITH ... SELECT, VALUES, EXPLAIN, or a schema
 * pragma. The connection (or the server) is read-only besides, so a write that slips past is refused
 * there too.
 */
export function checkReadOnlySql(sql: string): void {
  const body = stripLeadingComments(sql);
  if (body === "") throw usageError("query: empty SQL");
  const keyword = body.match(/^\w+/)?.[0]?.toLowerCase() ?? "";
  if (keyword === "pragma") {
    if (!READ_PRAGMAS.test(body)) {
      throw refused("query: only schema pragmas (table_info, table_list, index_list, ...) are allowed");
    }
    return;
  }
  if (!["select", "with", "values", "explain"].includes(keyword)) {
    throw refused(
      `query: only read-only statements (SELECT, WITH, VALUES, EXPLAIN) are allowed, not ${
        keyword.toUpperCase() || "that"
      }`,
    );
  }
  if (/\b(attach|detach)\b/i.test(body.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, ""))) {
    throw refused("query: ATTACH and DETACH are not allowed: a query reads one project database");
  }
}

/**
 * The first statement of `sql`, and whether anything but blanks, comments and semicolons follows it:
 * a scan that skips quoted text and comments, for servers that take the statement as text.
 */
export function firstStatement(sql: string): { statement: string; more: boolean } {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      i = sql.indexOf(close, i + 1);
      if (i === -1) return { statement: sql, more: false };
      i++;
    } else if (sql.startsWith("--", i)) {
      const eol = sql.indexOf("\n", i);
      i = eol === -1 ? sql.length : eol + 1;
    } else if (sql.startsWith("/*", i)) {
      const close = sql.indexOf("*/", i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (c === ";") {
      let rest = sql.slice(i + 1);
      for (let before = ""; before !== rest;) {
        before = rest;
        rest = stripLeadingComments(rest).replace(/^[;\s]+/, "");
      }
      return { statement: sql.slice(0, i), more: rest !== "" };
    } else i++;
  }
  return { statement: sql, more: false };
}
