/**
 * Shell completion, run for real: the generated bash script is loaded in bash, which asks the CLI for
 * candidates as it would on TAB, for commands, flags, choices, and project, run and metric names.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MAIN, runCli } from "./helpers/cli.ts";
import { FIXTURES } from "./helpers/trackio_db.ts";

/** A `trackio-cli` on PATH that runs this checkout. */
function binDir(): string {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-bin-" });
  const bin = join(dir, "trackio-cli");
  Deno.writeTextFileSync(bin, `#!/bin/sh\nexec "${Deno.execPath()}" run -A "${MAIN}" "$@"\n`);
  Deno.chmodSync(bin, 0o755);
  return dir;
}

/** The candidates bash offers for the words typed (the last one being completed). */
async function tab(
  bin: string,
  words: string[],
  dataDir: string,
): Promise<{ candidates: string[]; stderr: string }> {
  const quoted = words.map((w) => `'${w}'`).join(" ");
  const script = `export PATH="${bin}:$PATH"
eval "$(trackio-cli completions bash)"
COMP_WORDS=(trackio-cli ${quoted}); COMP_CWORD=${words.length}
_trackio_cli
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = await new Deno.Command("bash", {
    args: ["-c", script],
    env: { TRACKIO_DIR: dataDir, NO_COLOR: "1", HOME: Deno.env.get("HOME") ?? "/" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0);
  const text = new TextDecoder().decode(out.stdout).trim();
  return { candidates: text ? text.split("\n") : [], stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("bash completes commands, flags, choices, and project, run and metric names", async () => {
  const bin = binDir();
  const data = join(FIXTURES, "head");
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
  ];
  for (const [words, expected] of cases) {
    const { candidates, stderr } = await tab(bin, words, data);
    assert.deepStrictEqual(candidates.sort(), expected.sort(), words.join(" "));
    assert.equal(stderr, "");
  }
  const missing = await tab(bin, ["values", "-p", ""], "/nonexistent/trackio");
  assert.deepStrictEqual(missing, { candidates: [], stderr: "" }, "silent without a data directory");
  Deno.removeSync(bin, { recursive: true });
});

Deno.test("completions: zsh and fish scripts, unknown shells refused", async () => {
  const zsh = await runCli(["completions", "zsh"]);
  assert.match(zsh.stdout, /bashcompinit/);
  assert.match(zsh.stdout, /complete -F _trackio_cli trackio-cli/);
  const fish = await runCli(["completions", "fish"]);
  assert.match(fish.stdout, /^# trackio-cli fish completion/);
  assert.match(fish.stdout, /complete -c trackio-cli -f -a '\(trackio-cli __complete -- /);
  const bad = await runCli(["completions", "tcsh"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: completions: no shell 'tcsh'/);
});
