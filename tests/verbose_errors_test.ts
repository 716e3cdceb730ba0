/**
 * An error is one line by default; `--verbose` (or TRACKIO_CLI_DEBUG=1) adds what caused it, down to
 * where it really failed, for a bug report. The case: a real SQLite file whose metrics table lacks
 * Trackio's step column (a hand-made or damaged project), read by the real CLI.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { causeChain, dataError } from "../src/errors.ts";
import { runCli } from "./helpers/cli.ts";

function projectWithoutStep(): string {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-verbose-" });
  const db = new DatabaseSync(join(dir, "odd.db"));
  db.exec(`CREATE TABLE metrics (id INTEGER PRIMARY KEY, timestamp TEXT, run_name TEXT, metrics TEXT);
    INSERT INTO metrics VALUES (1, '2026-01-01T00:00:00', 'r', '{"loss": 1}');`);
  db.close();
  return dir;
}

Deno.test("an error is one line; --verbose and TRACKIO_CLI_DEBUG=1 add its cause chain and stack", async () => {
  const dir = projectWithoutStep();
  const args = ["run-summary", "-p", "odd", "-r", "r", "--dir", dir];
  const plain = await runCli(args);
  assert.equal(plain.code, 4);
  assert.equal(
    plain.stderr,
    `error: project 'odd': reading ${join(dir, "odd.db")} failed: no such column: step\n`,
  );

  for (const run of [runCli([...args, "--verbose"]), runCli(args, { env: { TRACKIO_CLI_DEBUG: "1" } })]) {
    const verbose = await run;
    assert.equal(verbose.code, 4);
    const lines = verbose.stderr.trimEnd().split("\n");
    assert.equal(lines[0], plain.stderr.trimEnd());
    assert.equal(lines[1], "caused by: Error: no such column: step");
    assert.ok(
      lines.slice(2).length > 2 && lines.slice(2).every((l) => l.startsWith("  at ")),
      verbose.stderr,
    );
    assert.ok(lines.some((l) => l.includes("src/store/")), "the stack reaches the store that failed");
  }

  const json = await runCli([...args, "--json", "--verbose"]);
  const error = JSON.parse(json.stderr).error;
  assert.equal(error.code, "data");
  assert.equal(error.cause[0], "caused by: Error: no such column: step");
  assert.equal(JSON.parse((await runCli([...args, "--json"])).stderr).error.cause, undefined);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("causeChain walks every cause once, outermost first", () => {
  const root = new TypeError("bad byte");
  const middle = new Error("parse failed", { cause: root });
  const top = dataError("project 'x' is unreadable", undefined, middle);
  const lines = causeChain(top);
  assert.deepStrictEqual(lines.slice(0, 2), [
    "caused by: Error: parse failed",
    "caused by: TypeError: bad byte",
  ]);
  assert.ok(lines.slice(2).every((l) => l.startsWith("  at ")));
  const loop = new Error("a");
  const other = new Error("b", { cause: loop });
  loop.cause = other;
  assert.deepStrictEqual(causeChain(loop).filter((l) => l.startsWith("caused")), [
    "caused by: Error: b",
  ]);
  assert.deepStrictEqual(causeChain(new Error("alone")).filter((l) => l.startsWith("caused")), []);
  // A plain object as a cause reads as JSON; the stack is the deepest Error's.
  const wrapped = new Error("outer", { cause: { code: "SQLITE_BUSY", errno: 5 } });
  const chain = causeChain(wrapped);
  assert.equal(chain[0], 'caused by: {"code":"SQLITE_BUSY","errno":5}');
  assert.ok(chain.length > 1 && chain.slice(1).every((l) => l.startsWith("  at ")), chain.join("\n"));
});
