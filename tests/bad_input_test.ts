/**
 * Bad files and bad requests: each gets one clear line on stderr, a documented exit code, no stack
 * trace, and the data stays as it was.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MAIN, runCli, sha256 } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { FIXTURES, lossRows, TrackioDb } from "./helpers/trackio_db.ts";

function assertCleanError(
  out: { code: number; stdout: string; stderr: string },
  code: number,
  pattern: RegExp,
) {
  assert.equal(out.code, code, out.stderr);
  assert.equal(out.stdout, "");
  const lines = out.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line: ${out.stderr}`);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(out.stderr, /\bat .*\.ts:\d+|Stack backtrace|Uncaught/);
}

function dirWith(files: Record<string, Uint8Array | string>): string {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-bad-" });
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === "string") Deno.writeTextFileSync(join(dir, name), content);
    else Deno.writeFileSync(join(dir, name), content);
  }
  return dir;
}

const fixtureBytes = () => Deno.readFileSync(join(FIXTURES, "head", "sft-qwen.db"));

Deno.test("an empty .db file", async () => {
  const dir = dirWith({ "p.db": "" });
  assertCleanError(await runCli(["runs", "-p", "p", "--dir", dir]), 4, /is empty \(0 bytes\)/);
});

Deno.test("a file that is not SQLite", async () => {
  const dir = dirWith({ "p.db": "name,step,loss\nr,1,0.5\n" });
  assertCleanError(await runCli(["runs", "-p", "p", "--dir", dir]), 4, /is not an SQLite database/);
});

Deno.test("a truncated database", async () => {
  const bytes = fixtureBytes();
  const dir = dirWith({ "p.db": bytes.subarray(0, Math.floor(bytes.length / 3)) });
  assertCleanError(await runCli(["runs", "-p", "p", "--dir", dir]), 4, /is truncated/);
});

Deno.test("a database with corrupt pages", async () => {
  const bytes = fixtureBytes().slice();
  for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
  const dir = dirWith({ "p.db": bytes });
  assertCleanError(
    await runCli(["values", "-p", "p", "-r", "baseline-v1", "-m", "train/loss", "--dir", dir]),
    4,
    /corrupt/,
  );
});

Deno.test("a metrics row holding malformed JSON is skipped with a notice naming it; the file is untouched", async () => {
  const dir = Deno.makeTempDirSync();
  const db = new TrackioDb(join(dir, "p.db"), "head");
  db.log("r", lossRows(3));
  db.db.prepare(
    "INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES ('r', '2026-01-02T00:00:00+00:00', 'r', 9, ?)",
  )
    .run(new TextEncoder().encode('{"loss": 0.5,'));
  db.close();
  const before = await sha256(join(dir, "p.db"));
  for (const args of [["values", "-m", "loss"], ["metrics"], ["logs"], ["snapshot", "--step", "9"]]) {
    const out = await runCli([...args, "-p", "p", "-r", "r", "--dir", dir]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stderr,
      /^note: run 'r': skipped 1 row whose metrics are not a JSON object \(metrics row 4\)/,
    );
  }
  assert.equal(await sha256(join(dir, "p.db")), before);
});

Deno.test("a project name that tries to leave the data directory", async () => {
  const dir = dirWith({});
  assertCleanError(
    await runCli(["runs", "-p", "../../etc/passwd", "--dir", dir]),
    3,
    /project '..\/..\/etc\/passwd' not found/,
  );
});

Deno.test("query refuses writes, ATTACH, state-changing pragmas and stacked statements; the file is untouched", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.copyFileSync(join(FIXTURES, "head", "mymodel.db"), join(dir, "m.db"));
  const before = await sha256(join(dir, "m.db"));
  const refused: [string, number, RegExp][] = [
    [
      "INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES ('a','b','c',1,'{}')",
      5,
      /only read-only statements/,
    ],
    ["DELETE FROM metrics", 5, /not DELETE/],
    ["DROP TABLE metrics", 5, /not DROP/],
    ["UPDATE metrics SET step = 0", 5, /not UPDATE/],
    ["ATTACH DATABASE '/tmp/x.db' AS x", 5, /not ATTACH/],
    [
      "SELECT * FROM metrics WHERE 1 = 1 AND 'x' IN (SELECT 1) -- ATTACH\n; ATTACH 'y' AS y",
      5,
      /ATTACH and DETACH are not allowed/,
    ],
    ["PRAGMA journal_mode = DELETE", 5, /only schema pragmas/],
    [
      "WITH doomed AS (SELECT id FROM metrics) DELETE FROM metrics WHERE id IN doomed",
      5,
      /writes are not allowed/,
    ],
    ["SELECT 1; DROP TABLE metrics", 2, /one statement at a time/],
    ["SELEC nonsense", 5, /only read-only statements/],
    ["SELECT nope FROM metrics", 2, /no such column/],
  ];
  for (const [sql, code, pattern] of refused) {
    assertCleanError(await runCli(["query", "-p", "m", "--sql", sql, "--dir", dir]), code, pattern);
  }
  const ok = await runCli([
    "query",
    "-p",
    "m",
    "--sql",
    "SELECT run_name, COUNT(*) AS n FROM metrics GROUP BY run_name;",
    "--json",
    "--dir",
    dir,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout), {
    columns: ["run_name", "n"],
    rows: [{ run_name: "r1", n: 30 }],
    truncated: false,
  });
  const capped = await runCli([
    "query",
    "-p",
    "m",
    "--sql",
    "SELECT step FROM metrics",
    "--max-rows",
    "5",
    "--json",
    "--dir",
    dir,
  ]);
  assert.equal(JSON.parse(capped.stdout).rows.length, 5);
  assert.equal(JSON.parse(capped.stdout).truncated, true);
  assert.match(capped.stderr, /stopped after 5 rows/);
  assert.equal(await sha256(join(dir, "m.db")), before);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["m.db"]);
});

Deno.test("usage errors exit 2 with one line; help goes to stdout and exits 0", async () => {
  assertCleanError(await runCli(["values", "-p", "x", "-r", "y"]), 2, /missing --metric/);
  assertCleanError(await runCli(["values", "-p", "x", "-r", "y", "-m", "z", "--step", "abc"]), 2, /--step/);
  assertCleanError(
    await runCli(["values", "-p", "x", "-r", "y", "-m", "z", "--step", "1", "--around", "2"]),
    2,
    /at most one of/,
  );
  const unknown = await runCli(["valuez"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'valuez'/);
  const help = await runCli(["values", "--help"]);
  assert.equal(help.code, 0);
  assert.equal(help.stderr, "");
  assert.match(help.stdout, /Examples:\n\s+\$ trackio-cli values -p sft-qwen/);
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

Deno.test("with --json, errors are one JSON line on stderr with the same exit codes", async () => {
  const dir = fixtureDir("head");
  const cases: [string[], number, string][] = [
    [["runs", "-p", "sft-qwn", "--json"], 3, "not_found"],
    [["values", "-p", "sft-qwen", "-r", "baseline-v1", "--json"], 2, "usage"],
    [["runs", "-p", "sft-qwen", "--json", "--bogus"], 2, "usage"],
    [["query", "-p", "sft-qwen", "--sql", "DELETE FROM metrics", "--json"], 5, "refused"],
    [["compare", "-p", "sft-qwen", "--filter", "^zzz", "--format", "json"], 3, "not_found"],
  ];
  for (const [args, code, kind] of cases) {
    const out = await runCli([...args, "--dir", dir]);
    assert.equal(out.code, code, args.join(" "));
    assert.equal(out.stdout, "");
    const lines = out.stderr.trim().split("\n");
    assert.equal(lines.length, 1, out.stderr);
    const { error } = JSON.parse(lines[0]);
    assert.equal(error.code, kind);
    assert.ok(error.message.length > 0 && "hint" in error, lines[0]);
    const text = await runCli(
      args.filter((a) => a !== "--json" && a !== "--format" && a !== "json").concat("--dir", dir),
    );
    assert.equal(text.code, code, "the same exit code without --json");
  }
  Deno.removeSync(dir, { recursive: true });
});

/** The CLI in a subprocess that is killed after `seconds`: a hang fails the test instead of stalling it. */
async function runWithin(seconds: number, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(seconds * 1000),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    signal: out.signal,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

Deno.test({
  name: "a FIFO named *.db: doctor lists it as not a regular file and does not hang; reading it is exit 4",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = dirWith({ "good.db": fixtureBytes() });
    const made = await new Deno.Command("mkfifo", { args: [join(dir, "pipe.db")] }).output();
    assert.equal(made.code, 0);
    const doctor = await runWithin(60, ["doctor", "--dir", dir, "--json"]);
    assert.equal(doctor.signal, null, "doctor hung on the FIFO");
    assert.equal(doctor.code, 0, doctor.stderr);
    const report = JSON.parse(doctor.stdout);
    const byName = Object.fromEntries(
      report.projects.map((p: { project: string; error: string | null }) => [p.project, p.error]),
    );
    assert.equal(byName.good, null);
    assert.match(byName.pipe, /pipe\.db is not a regular file \(a FIFO\)/);
    assert.match(report.problems.join("\n"), /not a regular file \(a FIFO\)/);
    assertCleanError(
      await runWithin(60, ["runs", "-p", "pipe", "--dir", dir]),
      4,
      /not a regular file \(a FIFO\)/,
    );
  },
});

Deno.test("a --plot-out that is a directory or cannot be written: one line, exit 2, nothing on stdout", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.copyFileSync(join(FIXTURES, "head", "mymodel.db"), join(dir, "m.db"));
  const chartDir = join(dir, "chart.svg");
  Deno.mkdirSync(chartDir);
  for (
    const command of [["values", "-r", "r1", "-m", "loss"], ["compare", "-m", "loss"], [
      "analyze",
      "-r",
      "r1",
    ]]
  ) {
    assertCleanError(
      await runCli([...command, "-p", "m", "--dir", dir, "--plot-out", chartDir]),
      2,
      /--plot-out: '.*chart\.svg' is a directory: name a file to write/,
    );
  }
  assertCleanError(
    await runCli([
      "values",
      "-p",
      "m",
      "-r",
      "r1",
      "-m",
      "loss",
      "--dir",
      dir,
      "--plot-out",
      `${dir}/no/such/c.png`,
    ]),
    2,
    /--plot-out: cannot write '.*c\.png': No such file or directory/,
  );
  assertCleanError(
    await runCli([
      "values",
      "-p",
      "m",
      "-r",
      "r1",
      "-m",
      "loss",
      "--dir",
      dir,
      "--plot-out",
      `${dir}/${"c".repeat(300)}.svg`,
    ]),
    2,
    /--plot-out: cannot write .*: File name too long/,
  );
});
