/**
 * The completion scripts run in the real shells, as on TAB: bash calls the function with COMP_WORDS
 * set, zsh completes a line typed into an interactive zsh on a pseudo-terminal (zpty), fish answers
 * `complete -C`. Each shell finds `trackio-cli` on PATH (see `binDir`).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MAIN } from "./cli.ts";

/** A `trackio-cli` on PATH that runs this checkout. */
export function binDir(): string {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-bin-" });
  const bin = join(dir, "trackio-cli");
  Deno.writeTextFileSync(bin, `#!/bin/sh\nexec "${Deno.execPath()}" run -A "${MAIN}" "$@"\n`);
  Deno.chmodSync(bin, 0o755);
  return dir;
}

/** Fails, rather than skips, when a shell is missing: CI installs all three (.ci/run). */
export async function requireShell(shell: "bash" | "zsh" | "fish"): Promise<void> {
  try {
    await new Deno.Command(shell, { args: ["-c", "exit 0"], stdout: "null", stderr: "null" }).output();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Error(`${shell} is not installed: the completion tests need it (apt-get install -y ${shell})`);
  }
}

export interface ShellEnv {
  bin: string;
  dataDir: string;
  /** Where the shells keep their own files (zsh's .zcompdump, fish's variables). */
  home: string;
}

/**
 * Only what the shells and Deno need: nothing like TRACKIO_SPACE_ID leaks in from the caller. HOME
 * stays, for Deno's cache of npm packages.
 */
function envOf({ bin, dataDir, home }: ShellEnv): Record<string, string> {
  const kept = ["HOME", "DENO_DIR", "XDG_CACHE_HOME"].flatMap((k) => {
    const value = Deno.env.get(k);
    return value === undefined ? [] : [[k, value]];
  });
  return {
    ...Object.fromEntries(kept),
    PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    TRACKIO_DIR: dataDir,
    ZDOTDIR: home,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_DATA_HOME: join(home, "data"),
    NO_COLOR: "1",
    TERM: "xterm",
  };
}

async function run(
  shell: string,
  args: string[],
  env: ShellEnv,
): Promise<{ stdout: string; stderr: string }> {
  const out = await new Deno.Command(shell, {
    args,
    env: envOf(env),
    clearEnv: true,
    cwd: env.home,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  assert.equal(out.code, 0, `${shell} exited ${out.code}: ${decode(out.stderr)}`);
  return { stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

/**
 * COMPREPLY after bash calls the function with `words` as COMP_WORDS (after the program name), each
 * as bash hands it over: as typed, quotes and backslashes included.
 */
export async function bashComplete(
  words: string[],
  env: ShellEnv,
): Promise<{ reply: string[]; stderr: string }> {
  const script = `eval "$(trackio-cli completions bash)"
COMP_WORDS=(trackio-cli "$@"); COMP_CWORD=$#
_trackio_cli
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout, stderr } = await run("bash", ["-c", script, "bash", ...words], env);
  return { reply: lines(stdout), stderr };
}

/** What bash makes of `typed` as a word: how a completed word reads once the line runs. */
export async function bashWord(typed: string, env: ShellEnv): Promise<string> {
  return (await run("bash", ["-c", `printf '%s' ${typed}`], env)).stdout;
}

/** The candidates fish offers for the line `line` (the last word being completed). */
export async function fishComplete(
  line: string,
  env: ShellEnv,
): Promise<{ candidates: string[]; stderr: string }> {
  const script = `trackio-cli completions fish | source; complete -C $argv[1]`;
  const { stdout, stderr } = await run("fish", ["--no-config", "-c", script, line], env);
  return { candidates: lines(stdout).map((l) => l.split("\t")[0]), stderr };
}

export interface ZshCompletion {
  /** The matches the completion function added, as compadd accepted them for the word typed. */
  matches: string[];
  /** The command line after TAB, as zsh edited it. */
  buffer: string;
  /** Whatever the shell wrote on stderr meanwhile (zsh's own errors, the function's). */
  errors: string;
}

/**
 * `line` typed into an interactive zsh (no rc files) followed by TAB; with `compinit`, the completion
 * system is loaded before the script, as a ~/.zshrc does, else the script has to load it.
 * compadd is wrapped to record what the real builtin accepted; a widget bound to ^X^B records the
 * edited line.
 */
export async function zshComplete(line: string, env: ShellEnv, compinit = true): Promise<ZshCompletion> {
  const out = Deno.makeTempDirSync({ prefix: "trackio-zsh-" });
  const at = (name: string) => join(out, name);
  Deno.writeTextFileSync(
    at("setup.zsh"),
    `PS1=''
exec 2>>${at("errors")}
${compinit ? "autoload -Uz compinit && compinit" : ""}
eval "$(trackio-cli completions zsh)"
compadd() {
  if (( \${@[(I)-[OAD]*]} )); then builtin compadd "$@"; return; fi
  local -a hits
  builtin compadd -O hits "$@"
  print -rl -- "\${hits[@]}" >> ${at("matches")}
  builtin compadd "$@"
}
record-buffer() { print -r -- "$BUFFER" > ${at("buffer.tmp")} && mv ${at("buffer.tmp")} ${at("buffer")}; }
zle -N record-buffer
bindkey '^X^B' record-buffer
: > ${at("ready")}
`,
  );
  const driver = `zmodload zsh/zpty || exit 3
zpty trackio zsh -f -i || exit 4
zpty -w trackio "source $1/setup.zsh"
wait_for() { local i; for i in {1..400}; do [[ -e $1 ]] && return 0; sleep 0.05; done; return 1; }
wait_for $1/ready || { print -u2 "zsh never ran the setup"; exit 5; }
zpty -w -n trackio "$2"$'\\t\\x18\\x02'
wait_for $1/buffer || { print -u2 "no line recorded after TAB"; exit 6; }
# What the completion wrote, before the pty closes: a shell reading a closed pty says so, which is not the completion's.
touch $1/errors && cp $1/errors $1/errors.seen
zpty -d trackio`;
  await run("zsh", ["-f", "-c", driver, "zsh", out, line], env);
  const read = (name: string) => {
    try {
      return Deno.readTextFileSync(at(name));
    } catch {
      return "";
    }
  };
  const result = {
    matches: lines(read("matches")),
    buffer: read("buffer").replace(/\n$/, ""),
    errors: read("errors.seen"),
  };
  Deno.removeSync(out, { recursive: true });
  return result;
}
