/**
 * A mistyped command is reported as an unknown command with the closest names, whatever follows it;
 * `help [command]` prints what `<command> --help` prints.
 */
import assert from "node:assert/strict";
import { type CliRun, runCli } from "./helpers/cli.ts";

function assertUsageError(run: CliRun, message: string): void {
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr, `${message}\n`);
}

Deno.test("a mistyped command is an unknown command with a did-you-mean, whatever follows it", async () => {
  const hint = "(see trackio-cli --help)";
  const cases: [string[], string][] = [
    [["anlyze", "-p", "x"], `unknown command 'anlyze'. Did you mean 'analyze'? ${hint}`],
    [
      ["anlyze", "--fail-on", "warning", "--bogus"],
      `unknown command 'anlyze'. Did you mean 'analyze'? ${hint}`,
    ],
    // A swap of two letters is one typo; aliases are commands too.
    [["rnus"], `unknown command 'rnus'. Did you mean 'runs'? ${hint}`],
    [
      ["--dir", "/tmp", "valeus", "-p", "x", "-m", "y"],
      `unknown command 'valeus'. Did you mean 'values'? ${hint}`,
    ],
    [["sklls", "list"], `unknown command 'sklls'. Did you mean 'skills'? ${hint}`],
    [["zzzzzz"], `unknown command 'zzzzzz'. ${hint}`],
    [
      ["skills", "shw", "x"],
      "unknown command 'shw'. Did you mean 'show'? (see trackio-cli skills --help)",
    ],
  ];
  for (const [argv, message] of cases) assertUsageError(await runCli(argv), `error: ${message}`);
  const json = await runCli(["anlyze", "-p", "x", "--json"]);
  assert.equal(json.code, 2);
  assert.deepStrictEqual(JSON.parse(json.stderr), {
    error: {
      code: "usage",
      message: "unknown command 'anlyze'. Did you mean 'analyze'?",
      hint: "see trackio-cli --help",
    },
  });
});

Deno.test("help [command] prints the same as <command> --help and exits 0", async () => {
  const cases: [string[], string[]][] = [
    [["help", "values"], ["values", "--help"]],
    [["help", "get-metric-values"], ["get-metric-values", "--help"]],
    [["help", "skills", "show"], ["skills", "show", "--help"]],
    [["help"], ["--help"]],
  ];
  for (const [help, flag] of cases) {
    const [viaHelp, viaFlag] = [await runCli(help), await runCli(flag)];
    assert.deepStrictEqual(viaHelp, viaFlag, help.join(" "));
    assert.equal(viaHelp.code, 0);
    assert.match(viaHelp.stdout, /^Usage: trackio-cli/);
  }
  assert.match((await runCli(["--help"])).stdout, /\n {2}help \[command\.\.\.\] +Show the help of a command/);
});

Deno.test("help with an unknown command is an unknown command", async () => {
  assertUsageError(
    await runCli(["help", "nosuch"]),
    "error: unknown command 'nosuch'. (see trackio-cli --help)",
  );
  assertUsageError(
    await runCli(["help", "anlyze"]),
    "error: unknown command 'anlyze'. Did you mean 'analyze'? (see trackio-cli --help)",
  );
  assertUsageError(
    await runCli(["help", "skills", "shw"]),
    "error: unknown command 'shw'. Did you mean 'show'? (see trackio-cli skills --help)",
  );
});
