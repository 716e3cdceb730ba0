/**
 * `watch --exec`: a shell command run when a finding opens at or above a level, once per run and rule,
 * in the background. It gets the event in its environment and, as one line of JSON, on its stdin.
 */
import { usageError } from "../errors.ts";
import { toJson } from "../json.ts";
import type { WatchEvent } from "../watch/event.ts";
import { atLeast, type Level } from "./levels.ts";
import { BoundedOutput } from "./output.ts";
import { clip, seconds } from "./text.ts";

export interface ExecResult {
  event: WatchEvent;
  /** The exit status; null when a signal ended it (or it never ran). */
  code: number | null;
  /** The signal that ended it (`SIGTERM` at the timeout, `SIGKILL` at shutdown), else null. */
  signal: string | null;
  /** Its stdout and stderr together, at most `maxOutputBytes` (the beginning and the end). */
  output: string;
  ms: number;
  timedOut: boolean;
}

export interface ExecOptions {
  command: string;
  minLevel?: Level;
  timeoutMs?: number;
  onResult?: (result: ExecResult) => void;
  /** Commands running at once; more wait their turn. */
  maxConcurrent?: number;
  maxOutputBytes?: number;
  /** After SIGTERM at the timeout, how long before SIGKILL. */
  killGraceMs?: number;
}

export const EXEC_DEFAULTS = {
  minLevel: "critical",
  timeoutMs: 60_000,
  maxConcurrent: 4,
  maxOutputBytes: 4096,
  killGraceMs: 2_000,
} as const;

/** How long output may still come once the command ended (from what it left running in the background). */
const OUTPUT_GRACE_MS = 200;

const POSIX = Deno.build.os !== "windows";

/**
 * The variables a command gets besides the watcher's own environment; absent values are empty. The
 * message is cut to 4096 characters: one variable may not pass 128 KiB on Linux, and stdin has it whole.
 */
export function execEnv(event: WatchEvent): Record<string, string> {
  return {
    TRACKIO_CLI_EVENT: event.kind,
    TRACKIO_CLI_PROJECT: event.project,
    TRACKIO_CLI_RUN: event.run,
    TRACKIO_CLI_RUN_ID: event.run_id ?? "",
    TRACKIO_CLI_RULE: event.rule ?? "",
    TRACKIO_CLI_SEVERITY: event.severity,
    TRACKIO_CLI_STEP: event.step === null ? "" : String(event.step),
    TRACKIO_CLI_MESSAGE: clip(event.message, 4096),
  };
}

/** A result in one line, for stderr: `--exec for loss.divergence on run-a: exit 3 after 0.12 s`. */
export function describeExecResult(r: ExecResult): string {
  const what = `--exec for ${r.event.rule ?? r.event.kind} on ${r.event.run}`;
  const how = r.timedOut
    ? `killed at its timeout (${r.signal ?? "no signal"})`
    : r.signal !== null
    ? `ended by ${r.signal}`
    : r.code === null
    ? "did not run"
    : `exit ${r.code}`;
  return `${what}: ${how} after ${seconds(r.ms)}`;
}

/**
 * The command gets its own process group (POSIX), so a timeout or shutdown ends what it started too,
 * not only the shell; a side effect is that Ctrl-C at the terminal does not reach it: `close` does.
 */
function killGroup(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    if (POSIX) Deno.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

async function feed(stdin: WritableStream<Uint8Array>, line: string): Promise<void> {
  const writer = stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(line));
    await writer.close();
  } catch {
    // A command need not read its input, and may end before it is written.
  }
}

function delay(ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { done, cancel: () => clearTimeout(timer) };
}

interface Running {
  child: Deno.ChildProcess | null;
  done: Promise<void>;
}

export class ExecHook {
  readonly #command: string;
  readonly #minLevel: Level;
  readonly #timeoutMs: number;
  readonly #onResult: (result: ExecResult) => void;
  readonly #maxConcurrent: number;
  readonly #maxOutputBytes: number;
  readonly #killGraceMs: number;
  /** Rules acted on, by run (project and id). */
  readonly #acted = new Map<string, Set<string | null>>();
  #queue: WatchEvent[] = [];
  readonly #running = new Set<Running>();
  #closed = false;

  constructor(options: ExecOptions) {
    if (options.command.trim() === "") throw usageError("--exec: give a command to run");
    const d = EXEC_DEFAULTS;
    this.#command = options.command;
    this.#minLevel = options.minLevel ?? d.minLevel;
    this.#timeoutMs = options.timeoutMs ?? d.timeoutMs;
    this.#onResult = options.onResult ?? ((r) => {
      if (r.code !== 0) console.error(describeExecResult(r));
    });
    this.#maxConcurrent = Math.max(1, options.maxConcurrent ?? d.maxConcurrent);
    this.#maxOutputBytes = options.maxOutputBytes ?? d.maxOutputBytes;
    this.#killGraceMs = options.killGraceMs ?? d.killGraceMs;
  }

  /** Runs the command for `event` if it is a finding opening at the level, first for its run and rule. */
  handle(event: WatchEvent): void {
    // Names repeat (a script run again under its name is another run): a run is known by its id, and
    // one that starts (again, under its id) may be acted on again.
    const run = JSON.stringify([event.project, event.run_id ?? event.run]);
    if (event.kind === "run_started") this.#acted.delete(run);
    if (this.#closed || event.kind !== "finding_opened" || !atLeast(event.severity, this.#minLevel)) return;
    let rules = this.#acted.get(run);
    if (!rules) this.#acted.set(run, rules = new Set());
    if (rules.has(event.rule)) return;
    rules.add(event.rule);
    this.#queue.push(event);
    this.#startMore();
  }

  /**
   * Takes no more events, lets what runs or waits finish for at most `timeoutMs`, then kills what still
   * runs (reported with SIGKILL) and reports what never started.
   */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    const wait = delay(timeoutMs);
    const expired = await Promise.race([this.#allDone().then(() => false), wait.done.then(() => true)]);
    wait.cancel();
    if (!expired) return;
    for (const event of this.#queue.splice(0)) {
      this.#report({
        event,
        code: null,
        signal: null,
        output: "not run: watch stopped first",
        ms: 0,
        timedOut: false,
      });
    }
    for (const running of this.#running) if (running.child !== null) killGroup(running.child, "SIGKILL");
    await this.#allDone();
  }

  async #allDone(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running].map((r) => r.done));
  }

  #startMore(): void {
    while (this.#running.size < this.#maxConcurrent && this.#queue.length > 0) {
      const event = this.#queue.shift();
      if (event === undefined) return;
      const running: Running = { child: null, done: Promise.resolve() };
      this.#running.add(running);
      running.done = this.#run(event, running).finally(() => {
        this.#running.delete(running);
        this.#startMore();
      });
    }
  }

  async #run(event: WatchEvent, running: Running): Promise<void> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("sh", {
        args: ["-c", this.#command],
        env: execEnv(event),
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        detached: POSIX,
      }).spawn();
    } catch (error) {
      const output = `cannot run sh: ${error instanceof Error ? error.message : String(error)}`;
      this.#report({ event, code: null, signal: null, output, ms: elapsed(), timedOut: false });
      return;
    }
    running.child = child;
    const output = new BoundedOutput(this.#maxOutputBytes);
    const readers = [child.stdout.getReader(), child.stderr.getReader()];
    const reading = Promise.all(readers.map((reader) => output.drain(reader)));
    const feeding = feed(child.stdin, `${toJson(event)}\n`);
    let timedOut = false;
    let kill: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, "SIGTERM");
      kill = setTimeout(() => killGroup(child, "SIGKILL"), this.#killGraceMs);
    }, this.#timeoutMs);
    const status = await child.status;
    clearTimeout(timer);
    clearTimeout(kill);
    // What the command left running may hold its output open: the output is what came until shortly after.
    const grace = delay(OUTPUT_GRACE_MS);
    const drained = await Promise.race([reading.then(() => true), grace.done.then(() => false)]);
    grace.cancel();
    if (!drained) await Promise.all(readers.map((reader) => reader.cancel().catch(() => {})));
    await Promise.all([reading, feeding]);
    this.#report({
      event,
      code: status.signal === null ? status.code : null,
      signal: status.signal,
      output: output.text(),
      ms: elapsed(),
      timedOut,
    });
  }

  #report(result: ExecResult): void {
    try {
      this.#onResult(result);
    } catch {
      // A failing listener must not stop the hook.
    }
  }
}
