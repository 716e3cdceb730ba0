/**
 * `query` stops reading at its size budget (rows and bytes), locally and through a server, and a
 * statement that selects a huge value neither takes the process's memory nor ends in "internal".
 */
import assert from "node:assert/strict";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { join } from "node:path";
import { LocalSource } from "../src/store/local_source.ts";
import { QUERY_VALUE_LIMIT } from "../src/store/query_budget.ts";
import type { Source } from "../src/store/source.ts";
import { runCli } from "./helpers/cli.ts";
import { httpSession, startHttpServer } from "./helpers/mcp.ts";
import { serveDir } from "./helpers/remote.ts";
import { FIXTURES } from "./helpers/trackio_db.ts";

function projectDir(): string {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-query-budget-" });
  Deno.copyFileSync(join(FIXTURES, "head", "mymodel.db"), join(dir, "m.db"));
  return dir;
}

/** 1,000 rows of 100 characters: 116 bytes each as the budget counts them (value plus 16). */
const PADDED = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) " +
  "SELECT printf('%.*c', 100, 'x') AS pad FROM n";

const queryOn = (source: Source, sql: string, maxRows: number, maxBytes: number) =>
  source.withProject("m", (reader) => reader.query(sql, maxRows, maxBytes));

Deno.test("query stops at the byte budget, before the row cap, and says how large the next row is", async () => {
  const source = new LocalSource({ path: projectDir(), source: "--dir" });
  const capped = await queryOn(source, PADDED, 1000, 1000);
  assert.equal(capped.rows.length, 8);
  assert.equal(capped.truncated, true);
  assert.deepEqual(capped.overBudget, { nextRowBytes: 116, budget: 1000 });
  const whole = await queryOn(source, PADDED, 1000, 116 * 1000);
  assert.equal(whole.rows.length, 1000);
  assert.equal(whole.truncated, false);
  assert.equal(whole.overBudget, undefined);
  const byRows = await queryOn(source, PADDED, 10, 116 * 1000);
  assert.equal(byRows.rows.length, 10);
  assert.equal(byRows.truncated, true);
  assert.equal(byRows.overBudget, undefined);
});

Deno.test("the budget keeps columns by position, repeated names, order, BLOBs as text and errors", async () => {
  const source = new LocalSource({ path: projectDir(), source: "--dir" });
  const answer = await queryOn(
    source,
    "WITH t(v) AS (VALUES (1), (3), (2)) SELECT v AS a, v * 10 AS a, CAST('{}' AS BLOB) FROM t ORDER BY v DESC",
    100,
    10_000,
  );
  assert.deepEqual(answer.columns, ["a", "a:1", "CAST('{}' AS BLOB)"]);
  assert.deepEqual(answer.rows.map((r) => [r.a, r["a:1"], r["CAST('{}' AS BLOB)"]]), [
    [3, 30, "{}"],
    [2, 20, "{}"],
    [1, 10, "{}"],
  ]);
  await assert.rejects(
    queryOn(
      source,
      "SELECT json_extract(x, '$.a') FROM (SELECT '{\"a\": 1}' AS x UNION ALL SELECT 'bad')",
      9,
      1e6,
    ),
    /query: malformed JSON/,
  );
});

Deno.test("a server's rows are held to the same budget", async () => {
  const dir = projectDir();
  const { server, source } = serveDir(dir);
  try {
    // Trackio's authorizer allows no recursive CTE: the project's own BLOBs make the rows here.
    const sql = "SELECT step, metrics FROM metrics ORDER BY id";
    const local = await queryOn(new LocalSource({ path: dir, source: "--dir" }), sql, 1000, 1000);
    assert.equal(local.truncated, true);
    assert.ok(local.rows.length > 1 && local.rows.length < 30, `${local.rows.length} rows`);
    assert.deepEqual(await queryOn(source, sql, 1000, 1000), local);
  } finally {
    await server.close();
  }
});

Deno.test("the CLI: a value over the budget is a truncated result with a note, one over the value limit a usage error", async () => {
  const dir = projectDir();
  const big = await runCli([
    "query",
    "-p",
    "m",
    "--sql",
    "SELECT zeroblob(50000000) AS b",
    "--json",
    "--dir",
    dir,
  ]);
  assert.equal(big.code, 0, big.stderr);
  assert.deepEqual(JSON.parse(big.stdout), { columns: ["b"], rows: [], truncated: true });
  assert.match(
    big.stderr,
    /stopped after 0 rows: the next row holds 47\.7 MiB and a result holds at most 16 MiB/,
  );
  const huge = await runCli(["query", "-p", "m", "--sql", "SELECT zeroblob(600000000)", "--dir", dir]);
  assert.equal(huge.code, 2, huge.stderr);
  assert.equal(huge.stdout, "");
  assert.match(
    huge.stderr.trim(),
    new RegExp(`^error: query: the statement builds a value over ${QUERY_VALUE_LIMIT / 1024 / 1024} MiB`),
  );
  assert.equal(huge.stderr.trim().split("\n").length, 1);
});

function peakRssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(status.match(/VmHWM:\s+(\d+) kB/)?.[1]) / 1024;
}

Deno.test({
  name: "the MCP server answers SELECT zeroblob(50000000) without its memory following the blob",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const server = await startHttpServer(["--dir", projectDir()]);
    const session = await httpSession(server.url);
    try {
      const answer = await session.client.callTool({
        name: "query",
        arguments: { project: "m", sql: "SELECT zeroblob(50000000) AS b" },
      }) as CallToolResult;
      const peak = peakRssMiB(server.child.pid);
      // Before the budget the server reached 2.3 GB here; its own footprint is under 200 MB.
      assert.ok(peak < 400, `peak RSS ${peak.toFixed(0)} MiB`);
      assert.equal(answer.isError, undefined, JSON.stringify(answer.content));
      assert.deepEqual(answer.structuredContent?.result, { columns: ["b"], rows: [], truncated: true });
    } finally {
      await session.close();
      await server.stop();
    }
  },
});
