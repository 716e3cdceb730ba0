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
