/**
 * Shell completion, run for real: each shell loads the script `completions` prints and asks the CLI
 * for candidates as it would on TAB, for commands, flags, choices, and project, run and metric names,
 * including names with spaces and quotes, typed plain, escaped or in open quotes.
 */
import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { runCli } from "./helpers/cli.ts";
import {
  bashComplete,
  bashWord,
  binDir,
  fishComplete,
  requireShell,
  type ShellEnv,
  zshComplete,
} from "./helpers/completion_shells.ts";
import { FIXTURES, lossRows, TrackioDb } from "./helpers/trackio_db.ts";

const QUOTED = `it's "quoted"`;

/** A data directory whose project has runs and a metric named as people name them. */
function oddNames(): string {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-odd-" });
  const db = new TrackioDb(join(dir, "odd-names.db"), "head");
  db.log("run with spaces", lossRows(2));
  db.log(QUOTED, lossRows(2).map((r) => ({ ...r, metrics: { "eval/my loss": 1, "train/loss": 2 } })));
  db.log("run-2", lossRows(2));
  db.log("lr=3e-4", lossRows(2));
  db.close();
  return dir;
}

function shellEnv(dataDir: string): ShellEnv {
  return { bin: binDir(), dataDir, home: Deno.makeTempDirSync({ prefix: "trackio-home-" }) };
}

function cleanUp(env: ShellEnv): void {
  for (const dir of [env.bin, env.home, env.dataDir]) Deno.removeSync(dir, { recursive: true });
}

Deno.test("bash completes commands, flags, choices, and project, run and metric names", async () => {
  await requireShell("bash");
  const dataDir = Deno.makeTempDirSync({ prefix: "trackio-head-" });
  for (const entry of Deno.readDirSync(join(FIXTURES, "head"))) {
    if (entry.name.endsWith(".db")) {
      Deno.copyFileSync(join(FIXTURES, "head", entry.name), join(dataDir, entry.name));
    }
  }
  const env = shellEnv(dataDir);
  const cases: [string[], string[]][] = [
    [["va"], ["values"]],
    [["an"], ["analyze"]],
    [["values", "-p", "sft"], ["sft-qwen"]],
    [["values", "-p", "sft-qwen", "-r", "lr"], ["lr-high", "lr-low"]],
    [["values", "-p", "sft-qwen", "-r", "baseline-v1", "-m", "eval/"], [
      "eval/loss",
      "eval/runtime",
      "eval/samples_per_second",
      "eval/steps_per_second",
    ]],
    [["runs", "--proj"], ["--project"]],
    [["values", "--format", "n"], ["ndjson"]],
    [["explain", "grad."], ["grad.explosion", "grad.nonfinite", "grad.spike"]],
    [["skills", "sh"], ["show"]],
    [["compare", "-p", "hyperparam-sweep", "--runs", "lr-1e-"], ["lr-1e-4", "lr-1e-5"]],
    [["help", "an"], ["analyze"]],
    [["help", "skills", "in"], ["install"]],
  ];
  for (const [words, expected] of cases) {
    const { reply, stderr } = await bashComplete(words, env);
    assert.deepStrictEqual(reply.sort(), expected.sort(), words.join(" "));
    assert.equal(stderr, "");
  }
  const missing = await bashComplete(["values", "-p", ""], { ...env, dataDir: "/nonexistent/trackio" });
  assert.deepStrictEqual(missing, { reply: [], stderr: "" }, "silent without a data directory");
  cleanUp(env);
});

Deno.test("bash: names with spaces and quotes come back quoted as the word was begun", async () => {
  await requireShell("bash");
  const env = shellEnv(oddNames());
  const p = ["values", "-p", "odd-names"];
  // [COMP_WORDS after the program name, as typed; COMPREPLY; the quote bash closes after it]
  const cases: [string[], string[], string][] = [
    [[...p, "-r", "run"], ["run-2", "run\\ with\\ spaces"], ""],
    [[...p, "-r", "run\\ w"], ["run\\ with\\ spaces"], ""],
    [[...p, "-r", "it"], [`it\\'s\\ \\"quoted\\"`], ""],
    [[...p, "-r", "'it"], [`it'\\''s "quoted"`], "'"],
    [[...p, "-r", '"it'], [`it's \\"quoted\\""`], ""],
    [[...p, "-r", "lr"], ["lr\\=3e-4"], ""],
    [[...p, "-r", `it\\'s\\ \\"quoted\\"`, "-m", "ev"], ["eval/my\\ loss"], ""],
    [[...p, "-r", `"it's \\"quoted\\""`, "-m", "'eval/my"], ["eval/my loss"], "'"],
    // bash splits `--project=od` at the `=` and completes what follows it.
    [["values", "--project", "=", "od"], ["odd-names"], ""],
    [["values", "--project", "="], ["odd-names"], ""],
  ];
  for (const [words, expected, closing] of cases) {
    const { reply, stderr } = await bashComplete(words, env);
    assert.deepStrictEqual(reply.sort(), expected.sort(), words.join(" "));
    assert.equal(stderr, "", words.join(" "));
    // Run as a command line, the completed word is the name itself.
    const begun = words.at(-1)?.match(/^['"]/)?.[0] ?? "";
    const name = await bashWord(`${begun}${reply.at(-1)}${closing}`, env);
    assert.ok(["run with spaces", QUOTED, "lr=3e-4", "eval/my loss", "odd-names"].includes(name), name);
  }
  cleanUp(env);
});

Deno.test("zsh: the function runs without error in a real zsh and inserts names quoted", async () => {
  await requireShell("zsh");
  const env = shellEnv(oddNames());
  const p = "trackio-cli values -p odd-names";
  const cases: [string, string[], string][] = [
    ["trackio-cli va", ["values"], "trackio-cli values "],
    ["trackio-cli help sk", ["skills"], "trackio-cli help skills "],
    [`${p} -r ru`, ["run with spaces", "run-2"], `${p} -r run`],
    [`${p} -r run\\ w`, ["run with spaces"], `${p} -r run\\ with\\ spaces `],
    [`${p} -r it`, [QUOTED], `${p} -r it\\'s\\ \\"quoted\\" `],
    [`${p} -r "it`, [QUOTED], `${p} -r "it's \\"quoted\\"" `],
    [
      `${p} -r it\\'s\\ \\"quoted\\" -m ev`,
      ["eval/my loss"],
      `${p} -r it\\'s\\ \\"quoted\\" -m eval/my\\ loss `,
    ],
    ["trackio-cli values --project=od", ["--project=odd-names"], "trackio-cli values --project=odd-names "],
    // zsh's own file completion, which matches the last part of the path.
    [
      `trackio-cli values --dir ${env.dataDir}`,
      [basename(env.dataDir)],
      `trackio-cli values --dir ${env.dataDir}/`,
    ],
  ];
  for (const [line, matches, buffer] of cases) {
    const result = await zshComplete(line, env);
    assert.deepStrictEqual(
      { ...result, matches: result.matches.sort() },
      { matches: matches.sort(), buffer, errors: "" },
      line,
    );
  }
  const alone = await zshComplete("trackio-cli va", env, false);
  assert.deepStrictEqual(
    alone,
    { matches: ["values"], buffer: "trackio-cli values ", errors: "" },
    "no compinit",
  );
  cleanUp(env);
});

Deno.test("fish: complete -C offers names with spaces and quotes, however the word is begun", async () => {
  await requireShell("fish");
  const env = shellEnv(oddNames());
  const p = "trackio-cli values -p odd-names";
  const cases: [string, string[]][] = [
    ["trackio-cli va", ["values"]],
    ["trackio-cli help sk", ["skills"]],
    [`${p} -r `, ["lr=3e-4", QUOTED, "run with spaces", "run-2"]],
    [`${p} -r run\\ w`, ["run with spaces"]],
    [`${p} -r 'run w`, ["run with spaces"]],
    [`${p} -r "it`, [QUOTED]],
    [`${p} -r it\\'s\\ \\"quoted\\" -m ev`, ["eval/my loss"]],
    ["trackio-cli values --project=od", ["--project=odd-names"]],
    [`trackio-cli values --dir ${env.dataDir}`, [`${env.dataDir}/`]],
    ["trackio-cli runs --p", ["--project"]],
  ];
  for (const [line, expected] of cases) {
    const { candidates, stderr } = await fishComplete(line, env);
    assert.deepStrictEqual(candidates.sort(), expected.sort(), line);
    assert.equal(stderr, "", line);
  }
  cleanUp(env);
});

Deno.test("completions: unknown shells refused", async () => {
  const bad = await runCli(["completions", "tcsh"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: completions: no shell 'tcsh'/);
  assert.equal(bad.stdout, "");
});
