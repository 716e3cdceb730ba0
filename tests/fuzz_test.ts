/**
 * Fuzzing on a bounded budget (CI runs it; FUZZ_CLI_RUNS and FUZZ_MCP_CALLS raise it): random
 * argument vectors through the real CLI and random tool calls through a real MCP session, on the
 * fixtures. Bad input must give a documented exit code or an MCP error result: never exit 1
 * ("internal"), a stack trace, a hang, or a server whose memory runs away.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { flagsOf } from "../src/cli/flags.ts";
import { TOOLS } from "../src/tools/index.ts";
import { MAIN } from "./helpers/cli.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";

const CLI_RUNS = Number(Deno.env.get("FUZZ_CLI_RUNS") ?? 40);
const MCP_CALLS = Number(Deno.env.get("FUZZ_MCP_CALLS") ?? 300);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261202);
/** A command that has not ended by then is a hang. */
const RUN_TIMEOUT_MS = 30_000;

const NAMES = ["sft-qwen", "baseline-v1", "lr-high", "train/loss", "eval/loss", "nope", "mymodel", "r1"];
const ODD = [
  "",
  " ",
  "-1",
  "0",
  "1.5",
  "0x10",
  "1e9",
  "NaN",
  "Infinity",
  "9".repeat(40),
  "x".repeat(3000),
  "../../etc/passwd",
  'it\'s "quoted"',
  "ünï/côde 🚀",
  "a\nb",
  "%s%n",
  "SELECT 1",
  "2h",
  "2026-13-45",
  "--json",
];
/** Flags of commands that run until stopped, or write outside a scratch directory. */
const ENDLESS = new Set(["--follow", "--watch", "--http", "--install", "--plot-out"]);

const commands = TOOLS.flatMap((t) => [t.cli.command, ...t.cli.aliases]);
const flagsByCommand = new Map(
  TOOLS.flatMap((t) => {
    const flags = flagsOf(t.input).map((f) => ({ long: f.long, boolean: f.boolean }));
    return [t.cli.command, ...t.cli.aliases].map((c) => [c, flags] as const);
  }),
);
const COMMON = [
  { long: "--json", boolean: true },
  { long: "--format", boolean: false },
  { long: "--fields", boolean: false },
  { long: "--color", boolean: false },
  { long: "--plot", boolean: true },
  { long: "--nonexistent-flag", boolean: false },
];

const value = fc.oneof(fc.constantFrom(...NAMES, ...ODD), fc.string({ maxLength: 12 }));
const argv = fc.constantFrom(...commands, "analyze", "compare", "anlyze", "help", "").chain((command) => {
  const flags = [...(flagsByCommand.get(command) ?? []), ...COMMON].filter((f) => !ENDLESS.has(f.long));
  return fc.array(fc.tuple(fc.constantFrom(...flags), value), { maxLength: 6 }).map((pairs) => [
    ...(command ? [command] : []),
    ...pairs.flatMap(([flag, v]) => (flag.boolean ? [flag.long] : [flag.long, v])),
  ]);
});

async function runWithin(args: string[], dir: string): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args, "--dir", dir],
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
  const out = await child.output();
  clearTimeout(timer);
  return { code: out.signal === "SIGKILL" ? -1 : out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test(`fuzz: ${CLI_RUNS} random command lines, no exit 1, no stack trace, no hang`, async () => {
  const dir = fixtureDir("head");
  try {
    const samples = fc.sample(argv, { numRuns: CLI_RUNS, seed: SEED });
    for (const args of samples) {
      const { code, stderr } = await runWithin(args, dir);
      const label = JSON.stringify(args);
      assert.notEqual(code, -1, `${label}: still running after ${RUN_TIMEOUT_MS} ms`);
      assert.notEqual(code, 1, `${label}: internal error: ${stderr}`);
      assert.doesNotMatch(stderr, /^\s+at .+:\d+:\d+\)?$/m, `${label}: a stack trace`);
      if (code !== 0 && code !== 6 && code !== 7) assert.match(stderr, /^(error: |\{"error")/m, label);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

const jsonValue = fc.oneof(
  fc.constantFrom(...NAMES, ...ODD),
  fc.integer({ min: -10, max: 100_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.constantFrom(...NAMES), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom("a", "run"), fc.constantFrom(...NAMES), { maxKeys: 2 }),
);
const toolCall = fc.constantFrom(...TOOLS).chain((tool) =>
  fc.dictionary(
    fc.constantFrom(...Object.keys(tool.input.shape), "project", "run", "bogus_argument"),
    jsonValue,
    { maxKeys: 5 },
  ).map((args) => ({ name: tool.name, args }))
);

Deno.test(`fuzz: ${MCP_CALLS} random MCP tool calls, never internal, memory bounded`, async () => {
  const dir = fixtureDir("head");
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", MAIN, "mcp", "--dir", dir],
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
    stderr: "pipe",
  });
  const client = new Client({ name: "trackio-cli-fuzz", version: "1.0.0" });
  await client.connect(transport);
  try {
    for (const { name, args } of fc.sample(toolCall, { numRuns: MCP_CALLS, seed: SEED })) {
      const label = `${name}(${JSON.stringify(args)})`;
      let answer: CallToolResult;
      try {
        answer = await client.callTool({ name, arguments: args }) as CallToolResult;
      } catch (error) {
        // The SDK itself refuses some answers (a result that does not match outputSchema): a bug.
        throw new Error(`${label}: ${error}`);
      }
      const text = answer.content.map((c: CallToolResult["content"][number]) => ("text" in c ? c.text : ""))
        .join("\n");
      assert.doesNotMatch(text, /^error \(internal\)/, label);
    }
    const status = Deno.readTextFileSync(`/proc/${transport.pid}/status`);
    const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    assert.ok(peakKb < 1024 * 1024, `the server peaked at ${Math.round(peakKb / 1024)} MiB`);
  } finally {
    await client.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
