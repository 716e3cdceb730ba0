/**
 * What the CLI prints is in the CLI's words: flags, not MCP argument names; numbers given to flags are
 * plain decimal numbers or a one-line error. Over MCP, the same notices name the tool's arguments.
 */
import assert from "node:assert/strict";
import { runCli } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { stdioSession } from "./helpers/mcp.ts";

const values = ["values", "-p", "sft-qwen", "-r", "baseline-v1", "-m", "train/loss"];

Deno.test("number flags take plain decimal numbers only: abc, 1.5, '', 0x64 and 1e3 are exit 2", async () => {
  const dir = fixtureDir("head");
  try {
    for (
      const [flag, text, wanted] of [
        ["--max-points", "abc", "a whole number"],
        ["--max-points", "1.5", "a whole number"],
        ["--max-points", "", "a whole number"],
        ["--max-points", "0x64", "a whole number"],
        ["--step", "1e3", "a whole number"],
        ["--step", "", "a whole number"],
      ]
    ) {
      const out = await runCli([...values, flag, text, "--dir", dir]);
      assert.equal(out.code, 2, `${flag} '${text}'`);
      assert.equal(out.stdout, "");
      assert.equal(out.stderr, `error: ${flag}: '${text}' is not ${wanted}\n`);
    }
    const idle = await runCli([...values, "--follow", "--idle", "0x10", "--dir", dir]);
    assert.equal(idle.code, 2);
    assert.match(idle.stderr, /--idle: '0x10' is not a number of seconds/);
    const window = await runCli([...values, "--around", "100", "--window", "2.5", "--dir", dir]);
    assert.equal(window.code, 0, window.stderr);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("notices and errors name CLI flags on the CLI and tool arguments over MCP", async () => {
  const dir = fixtureDir("head");
  try {
    const out = await runCli([...values, "--max-points", "20", "--dir", dir]);
    assert.match(out.stderr, /raise --max-points or narrow with --around for more/);
    assert.doesNotMatch(out.stderr, /max_points|around_step/);
    const both = await runCli([...values, "--step", "5", "--around", "5", "--dir", dir]);
    assert.equal(both.stderr, "error: give at most one of --step, --around and --at-time\n");
    const mcp = await stdioSession(["--dir", dir]);
    try {
      const result = await mcp.client.callTool({
        name: "get_metric_values",
        arguments: { project: "sft-qwen", run: "baseline-v1", metric: "train/loss", max_points: 20 },
      });
      const notices = (result.structuredContent as { notices: string[] }).notices;
      assert.match(notices.join("\n"), /raise max_points or narrow with around_step for more/);
    } finally {
      await mcp.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a failing command prints nothing on stdout: values --follow with an unknown metric", async () => {
  const dir = fixtureDir("head");
  try {
    const out = await runCli([...values.slice(0, -1), "nope", "--follow", "--idle", "1", "--dir", dir]);
    assert.equal(out.code, 3, out.stderr);
    assert.equal(out.stdout, "");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
