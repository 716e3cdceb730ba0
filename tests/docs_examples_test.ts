/**
 * The examples people copy must work: every `trackio-cli ...` line in README.md's shell blocks (and
 * inside `$(...)`) and in every command's --help runs against the bundled demo projects, exits 0 and
 * prints what it promises (JSON where --json). Also: every command of the registry is in README.md.
 */
import { WATCH_EXAMPLES } from "../src/cli/watch_command.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { TOOLS } from "../src/tools/index.ts";
import { MCP_EXAMPLES } from "../src/cli/mcp_command.ts";
import { SKILLS_EXAMPLES } from "../src/cli/skills_command.ts";
import { HELP_EXAMPLES } from "../src/cli/help_command.ts";
import { runCli } from "./helpers/cli.ts";
import { shellWords } from "./helpers/shell.ts";
import { startHttpServer, stdioSession } from "./helpers/mcp.ts";
import { startTrackioServer, type TrackioServer } from "./helpers/trackio_server.ts";

const README = new URL("../README.md", import.meta.url).pathname;

/** `trackio-cli` command lines from the README's sh blocks: continuations joined; pipes, redirections and comments cut. */
function readmeExamples(): string[] {
  const text = Deno.readTextFileSync(README);
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1].replace(/\\\n\s*/g, ""));
  return blocks.flatMap((b) => b.split("\n"))
    // `eval "$(trackio-cli completions bash)"`: the command inside.
    .map((line) => line.replace(/^.*"\$\((trackio-cli [^)]*)\)".*$/, "$1"))
    .map((line) => line.replace(/\s+#.*$/, "").replace(/\s*[|>].*$/, "").trim())
    .filter((line) => line.startsWith("trackio-cli"));
}

/** `mcp --http` serves until stopped: on a free port, it must come up, then stop cleanly. */
async function assertServesOnDemo(args: string[]) {
  const port = args.indexOf("--port");
  const rest = args.filter((a, i) =>
    a !== "--http" && a !== "mcp" && (port === -1 || (i !== port && i !== port + 1))
  );
  const server = await startHttpServer([...rest, "--demo"]);
  assert.equal(await server.stop(), 0, server.stderr());
}

function denoDir(): string {
  const home = Deno.env.get("HOME") ?? "/";
  return Deno.env.get("DENO_DIR") ?? join(Deno.env.get("XDG_CACHE_HOME") ?? join(home, ".cache"), "deno");
}

/**
 * `skills`, `completions` and `help` read no data (no --demo); skills install writes: into a scratch
 * directory and home, never the real ones.
 */
async function assertSkillsExample(args: string[]) {
  const scratch = Deno.makeTempDirSync({ prefix: "trackio-docs-skills-" });
  const out = await runCli(args.map((a) => a.replace(/^\/tmp\//, `${scratch}/`)), {
    cwd: scratch,
    // Deno keeps its package cache under HOME unless told: point it at the real one.
    env: { HOME: scratch, DENO_DIR: denoDir() },
  });
  assert.equal(out.code, 0, `${args.join(" ")}\n${out.stderr}`);
  Deno.removeSync(scratch, { recursive: true });
  if (args[0] === "completions") {
    assert.match(out.stdout, /trackio-cli/, `${args.join(" ")}: a completion script`);
  } else if (!args.includes("install")) assertPrintsData(args.join(" "), args, out.stdout);
}

/** `--space X` examples read the demo projects through the Trackio HTTP API double. */
let demoServer: TrackioServer | undefined;
const DEMO_DIR = new URL("../demo/", import.meta.url).pathname;

async function assertRunsOnDemo(line: string) {
  let args = shellWords(line).slice(1);
  const space = args.indexOf("--space");
  if (space !== -1) {
    demoServer ??= startTrackioServer({ dir: DEMO_DIR });
    args = args.map((a, i) => (i === space + 1 ? demoServer!.url : a));
    const scratch = Deno.makeTempDirSync({ prefix: "trackio-docs-" });
    const out = await runCli(args, { cwd: scratch });
    Deno.removeSync(scratch, { recursive: true });
    assert.equal(out.code, 0, `${line}\n${out.stderr}`);
    assert.doesNotMatch(out.stderr, /error:/, line);
    assertPrintsData(line, args, out.stdout);
    return;
  }
  if (["skills", "completions", "help"].includes(args[0])) return await assertSkillsExample(args);
  if (args[0] === "mcp" && args.includes("--http") && !args.includes("--print-config")) {
    return await assertServesOnDemo(args);
  }
  // Examples may write files (--plot-out): in a scratch directory, never the repository.
  const scratch = Deno.makeTempDirSync({ prefix: "trackio-docs-" });
  const out = await runCli([...args, "--demo"], { cwd: scratch });
  Deno.removeSync(scratch, { recursive: true });
  assert.equal(out.code, 0, `${line}\n${out.stderr}`);
  assert.doesNotMatch(out.stderr, /error:/, line);
  assertPrintsData(line, args, out.stdout);
}

/**
 * Exit 0 is not enough: an example prints what it promises. Data on stdout, unless it writes a file;
 * with --json, JSON (one document, or one per line for streams).
 */
function assertPrintsData(line: string, args: string[], stdout: string) {
  // A stdio MCP server speaks only when spoken to; --plot-out writes a file.
  if (args.includes("--plot-out") || (args[0] === "mcp" && !args.includes("--print-config"))) return;
  assert.ok(stdout.trim().length > 0, `${line}: nothing on stdout`);
  if (args.includes("--json")) {
    const whole = (() => {
      try {
        return JSON.parse(stdout);
      } catch {
        return undefined;
      }
    })();
    if (whole === undefined) {
      for (const l of stdout.trim().split("\n")) JSON.parse(l);
    }
  }
}

Deno.test("every trackio-cli example in README.md runs on the demo projects", async () => {
  const examples = readmeExamples();
  assert.ok(examples.length >= 25, `${examples.length} examples found`);
  try {
    for (const line of examples) await assertRunsOnDemo(line);
  } finally {
    await demoServer?.close();
    demoServer = undefined;
  }
});

Deno.test("every example in --help runs on the demo projects", async () => {
  for (
    const examples of [
      ...TOOLS.map((t) => t.cli.examples),
      MCP_EXAMPLES,
      SKILLS_EXAMPLES,
      HELP_EXAMPLES,
      // A watch that keeps running, posting to Slack, or running a command is not run here.
      WATCH_EXAMPLES.filter((e) => e.includes("--once")),
    ]
  ) {
    for (const line of examples) {
      if (line.includes("TRACKIO_DIR=")) continue;
      await assertRunsOnDemo(line.replace(/\s*\|.*$/, ""));
    }
  }
});

Deno.test("README.md documents every command and alias", () => {
  const text = Deno.readTextFileSync(README);
  for (const tool of TOOLS) {
    assert.ok(text.includes(`\`${tool.cli.command}\``), `${tool.cli.command} in README`);
    for (const alias of tool.cli.aliases) {
      assert.ok(new RegExp(`trackio-cli ${alias}(\\s|$)`, "m").test(text), `an example of ${alias}`);
    }
  }
});

Deno.test("shellWords splits like a shell", () => {
  assert.deepEqual(shellWords(`a "b c" 'd "e"' f\\ g "h\\"i"`), ["a", "b c", 'd "e"', "f g", 'h"i']);
});

Deno.test("README.md's analyze_run text block is what the MCP server answers on the demo", async () => {
  const text = Deno.readTextFileSync(README);
  const block = /<!-- mcp-analyze-text -->\n\s*```text\n([\s\S]*?)\n\s*```/.exec(text)?.[1];
  assert.ok(block, "the marked block is in README.md");
  const shown = block.split("\n").map((line) => line.replace(/^ {2}/, "")).join("\n");
  const { client, close } = await stdioSession(["--demo"]);
  try {
    const result = await client.callTool({
      name: "analyze_run",
      arguments: { project: "sft-qwen", run: "overfit-v2" },
    });
    assert.equal((result.content as { text: string }[])[0].text, shown);
  } finally {
    await close();
  }
});
