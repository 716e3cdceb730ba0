/**
 * Pipeline formats on the real fixtures, read back by real parsers (JSON.parse, jq, Python's csv
 * module): every list result in every format holds the same records as its JSON, numbers round-trip,
 * --fields picks and orders columns, and values streams NDJSON.
 */
import assert from "node:assert/strict";
import { MAIN, runCli } from "./helpers/cli.ts";
import { pipe } from "./helpers/shell.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";

/** Python's csv reader on `text` (CSV, or TSV with `tsv`), as rows of strings. */
async function pythonRows(text: string, tsv = false): Promise<string[][]> {
  const dialect = tsv ? ", delimiter='\\t', quoting=csv.QUOTE_NONE" : "";
  return JSON.parse(
    await pipe(
      `python3 -c "import csv, json, sys; print(json.dumps(list(csv.reader(sys.stdin${dialect}))))"`,
      text,
    ),
  );
}

const cell = (v: unknown) =>
  v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);

const COMMANDS: string[][] = [
  ["projects"],
  ["runs", "-p", "sft-qwen"],
  ["metrics", "-p", "sft-qwen", "-r", "baseline-v1"],
  ["values", "-p", "sft-qwen", "-r", "nan-blowup", "-m", "train/loss"],
  ["logs", "-p", "sft-qwen", "-r", "baseline-v1", "--max-rows", "20"],
  ["snapshot", "-p", "sft-qwen", "-r", "baseline-v1", "--step", "100"],
  ["project-summary", "-p", "sft-qwen"],
  ["query", "-p", "sft-qwen", "--sql", "SELECT run_name, COUNT(*) AS n FROM metrics GROUP BY 1"],
];

Deno.test("every list result reads back the same in ndjson, csv, tsv, markdown and table", async () => {
  const dir = fixtureDir("head");
  for (const command of COMMANDS) {
    const label = command.join(" ");
    const run = (...more: string[]) => runCli([...command, "--dir", dir, ...more]);
    const ndjson = await run("--format", "ndjson");
    assert.equal(ndjson.code, 0, `${label}: ${ndjson.stderr}`);
    const records = ndjson.stdout.trim().split("\n").map((l) => JSON.parse(l)) as Record<string, unknown>[];
    assert.ok(records.length > 0, label);
    assert.equal(
      (await pipe("jq -c .", ndjson.stdout)).trim().split("\n").length,
      records.length,
      `${label}: jq`,
    );
    const columns = Object.keys(records[0]);
    const expected = [columns, ...records.map((r) => columns.map((c) => cell(r[c])))];
    assert.deepStrictEqual(
      await pythonRows((await run("--format", "csv")).stdout),
      expected,
      `${label}: csv`,
    );
    const tsv = (await run("--format", "tsv")).stdout;
    assert.deepStrictEqual(
      await pythonRows(tsv, true),
      expected.map((r) => r.map((c) => c.replace(/[\t\n]+/g, " "))),
      `${label}: tsv`,
    );
    const md = (await run("--format", "markdown")).stdout.trim().split("\n");
    assert.equal(md.length, records.length + 2, `${label}: markdown rows`);
    assert.equal(md[0], `| ${columns.join(" | ")} |`);
    const table = (await run("--format", "table")).stdout.trim().split("\n");
    assert.equal(table.length, records.length + 2, `${label}: table rows`);
  }
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("numbers round-trip through CSV; NaN is Trackio's string; --fields picks and orders", async () => {
  const dir = fixtureDir("head");
  const base = ["values", "-p", "sft-qwen", "-r", "nan-blowup", "-m", "train/loss", "--dir", dir];
  const json = JSON.parse((await runCli([...base, "--json"])).stdout) as {
    step: number;
    value: number | string;
  }[];
  const rows = await pythonRows(
    (await runCli([...base, "--format", "csv", "--fields", "value,step"])).stdout,
  );
  assert.deepStrictEqual(rows[0], ["value", "step"]);
  rows.slice(1).forEach(([value, step], i) => {
    assert.equal(Number(step), json[i].step);
    assert.ok(
      typeof json[i].value === "string" ? value === json[i].value : Number(value) === json[i].value,
      value,
    );
  });
  assert.ok(rows.some(([v]) => v === "NaN") && rows.some(([v]) => v === "Infinity"));
  const picked = JSON.parse((await runCli([...base, "--json", "--fields", "step"])).stdout);
  assert.deepStrictEqual(picked[0], { step: json[0].step });
  const unknown = await runCli([...base, "--format", "csv", "--fields", "stepp"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^error: --fields: no column stepp \(columns: timestamp, step, value\)/);
  const single = await runCli([
    "run-summary",
    "-p",
    "sft-qwen",
    "-r",
    "baseline-v1",
    "--dir",
    dir,
    "--format",
    "csv",
  ]);
  assert.equal(single.code, 2);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("values --format ndjson streams the same points as --json", async () => {
  const dir = fixtureDir("head");
  const base = ["values", "-p", "sft-qwen", "-r", "overfit-v2", "-m", "train/loss", "--dir", dir];
  const json = JSON.parse((await runCli([...base, "--json"])).stdout);
  const lines = (await runCli([...base, "--format", "ndjson"])).stdout.trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.deepStrictEqual(lines, json);
  const around = (await runCli([...base, "--format", "ndjson", "--around", "500", "--window", "20"])).stdout
    .trim().split("\n");
  assert.ok(around.every((l) => Math.abs(JSON.parse(l).step - 500) <= 20));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--color: never plain, always coloured", async () => {
  const args = ["runs", "-p", "nope", "--demo"];
  const always = await runCli([...args, "--color", "always"], { env: {} });
  assert.ok(always.stderr.startsWith("\x1b[31merror:\x1b[0m"), JSON.stringify(always.stderr));
  const never = await runCli([...args, "--color", "never"]);
  assert.ok(never.stderr.startsWith("error:"));
});

/**
 * The CLI's stderr with only PATH, HOME and `env` in its environment (CI sets NO_COLOR), on a real
 * pseudo-terminal from script(1) or through a pipe.
 */
async function stderrOf(env: Record<string, string>, terminal: boolean, args: string[]): Promise<string> {
  const argv = [Deno.execPath(), "run", "-A", MAIN, ...args];
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const vars = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "", ...env };
  const out = await new Deno.Command("env", {
    args: [
      "-i",
      ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
      // On the terminal, stderr goes to what script records, which it prints on its stdout.
      ...(terminal ? ["script", "-qec", `${quoted} 2>&1`, "/dev/null"] : argv),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(terminal ? out.stdout : out.stderr);
}

Deno.test("--color auto: colour on a real terminal, never through a pipe, never with NO_COLOR", async () => {
  const args = ["runs", "-p", "nope", "--demo"];
  assert.ok((await stderrOf({}, true, args)).startsWith("\x1b[31merror:"), "a terminal gets colour");
  assert.ok((await stderrOf({}, false, args)).startsWith("error:"), "a pipe gets none");
  assert.ok(
    (await stderrOf({ NO_COLOR: "1" }, true, args)).startsWith("error:"),
    "NO_COLOR wins on a terminal",
  );
});
