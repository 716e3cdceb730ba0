import { flagsOf } from "../../src/cli/flags.ts";
import { parseToolArgs } from "../../src/tools/invoke.ts";
import type { ToolDef } from "../../src/tools/registry.ts";

/** Runs the real CLI in a subprocess and collects what it printed. */
export const MAIN = new URL("../../main.ts", import.meta.url).pathname;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; permissions?: string[] } = {},
): Promise<CliRun> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.permissions ?? ["-A"]), MAIN, ...args],
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  });
  const out = await command.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** The CLI as a running subprocess (for commands that keep running: --watch, servers). */
export function spawnCli(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

/** Every file in a directory with its size and modification time, to prove nothing was written. */
export function snapshotDir(dir: string): Map<string, string> {
  const state = new Map<string, string>();
  for (const entry of Deno.readDirSync(dir)) {
    const info = Deno.statSync(`${dir}/${entry.name}`);
    state.set(entry.name, `${info.size}:${info.mtime?.getTime()}`);
  }
  return state;
}

export async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The CLI command line for a tool call given as MCP/Trackio arguments (any accepted spelling). */
export function cliArgv(tool: ToolDef, args: Record<string, unknown>, dir: string): string[] {
  const parsed = parseToolArgs(tool, args) as Record<string, unknown>;
  const argv = [tool.cli.command, "--dir", dir, "--json"];
  const positional = tool.cli.positional;
  if (positional && parsed[positional] !== undefined) argv.splice(1, 0, String(parsed[positional]));
  for (const flag of flagsOf(tool.input).filter((f) => f.field !== positional)) {
    const value = parsed[flag.field];
    if (value !== undefined && value !== null) argv.push(flag.long, String(value));
  }
  return argv;
}

/**
 * Ctrl-C for a command `spawnCli` started whose stdout `reader` has been reading: its exit code and
 * all it wrote on stderr, once it has ended.
 */
export async function interrupt(
  child: Deno.ChildProcess,
  reader: ReadableStreamDefaultReader<string>,
): Promise<{ code: number; stderr: string }> {
  child.kill("SIGINT");
  const status = await child.status;
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});
  const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  return { code: status.code, stderr };
}
