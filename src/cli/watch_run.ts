import { dirname, join } from "node:path";
import { dataError, notFound, usageError } from "../errors.ts";
import { toJson } from "../json.ts";
import { describeExecResult, EXEC_DEFAULTS, ExecHook } from "../notify/exec.ts";
import { checkWebhookUrl, minLevelOf, WEBHOOK_DEFAULTS, WebhookNotifier } from "../notify/webhook.ts";
import { didYouMean } from "../util/closest.ts";
import { sleep } from "../util/sleep.ts";
import type { RunSeen } from "../watch/changes.ts";
import type { WatchEvent } from "../watch/event.ts";
import { ProjectWatcher, type WatchMemory } from "../watch/watcher.ts";
import { gateExitCode } from "./analysis_output.ts";
import { DEFAULT_WATCH_SECONDS } from "./analyze_command.ts";
import { sourceFor } from "./common_options.ts";
import { LivePoll } from "./live_retry.ts";
import { numberFlag } from "./numbers.ts";
import { reportNotice, writeErr, writeOut } from "./output.ts";
import type { WatchOptions } from "./watch_command.ts";

/** Where the webhook and its level came from: a flag, or Trackio's variables. */
export interface WatchSettings {
  webhook?: string;
  webhookOrigin: string;
  minLevel?: string;
  minLevelOrigin: string;
}

/** How long, after Ctrl-C, deliveries and commands still running may take before the watch exits. */
const DRAIN_MS = 10_000;
/** At the end of a --once pass, a webhook's every attempt and wait (4 x 10 s, and 2 + 4 + 8 s between). */
const ONCE_WEBHOOK_MS = WEBHOOK_DEFAULTS.maxAttempts * WEBHOOK_DEFAULTS.timeoutMs +
  WEBHOOK_DEFAULTS.retryBaseMs * (2 ** (WEBHOOK_DEFAULTS.maxAttempts - 1) - 1);
const STATE_VERSION = 1;

function intervalOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WATCH_SECONDS;
  const seconds = numberFlag("--interval", text, false, "a number of seconds >= 1");
  // One pass a second at most: a Space is asked no more than once a second per run.
  if (seconds < 1) throw usageError(`--interval: '${text}' is not a number of seconds >= 1`);
  return seconds;
}

function regexOf(text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return new RegExp(text);
  } catch (error) {
    throw usageError(`--filter: '${text}' is not a regular expression (${(error as Error).message})`);
  }
}

/** A line a person reads: `12:00:03 lr-high @1200 [critical] loss.divergence: ... · do: ...`. */
export function eventLine(e: WatchEvent): string {
  const at = `${e.time.slice(11, 19)} ${e.run} @${e.step ?? "-"}`;
  const evidence = e.evidence_steps.length ? ` (evidence at ${e.evidence_steps.slice(0, 6).join(", ")})` : "";
  const action = e.actions[0] ? ` · do: ${e.actions[0]}` : "";
  switch (e.kind) {
    case "finding_opened":
      return `${at} [${e.severity}] ${e.rule}: ${e.message}${evidence}${action}`;
    case "finding_cleared":
      return `${at} cleared ${e.rule}`;
    case "run_stalled":
      return `${at} stalled: ${e.message}${action}`;
    default:
      return `${at} ${e.message}`;
  }
}

const LEVELS = new Set(["info", "warning", "critical"]);

/** A run as a state file remembers it, every field of the type it must have. */
function isRunSeen(value: unknown): value is RunSeen {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  const findings = r.findings;
  return typeof r.name === "string" && typeof r.created_at === "string" &&
    typeof r.stalled === "boolean" && typeof r.finished === "boolean" &&
    typeof findings === "object" && findings !== null && !Array.isArray(findings) &&
    Object.values(findings).every((s) => LEVELS.has(String(s)));
}

interface StateFile {
  version: number;
  project: string;
  runs: WatchMemory;
}

function readState(path: string, project: string): WatchMemory | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw dataError(`--state: cannot read ${path} (${(error as Error).message})`);
  }
  let state: StateFile;
  try {
    state = JSON.parse(text);
  } catch {
    throw dataError(`--state: ${path} is not a watch state file (not JSON)`);
  }
  if (
    state?.version !== STATE_VERSION || typeof state.runs !== "object" || state.runs === null ||
    !Object.values(state.runs).every(isRunSeen)
  ) {
    throw dataError(`--state: ${path} is not a watch state file of this version`);
  }
  if (state.project !== project) {
    throw usageError(`--state: ${path} remembers project '${state.project}', not '${project}'`);
  }
  return state.runs;
}

/** Written beside the old file and renamed over it: a pass cut short never leaves half a state. */
function writeState(path: string, project: string, runs: WatchMemory): void {
  const temp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
  const state: StateFile = { version: STATE_VERSION, project, runs };
  try {
    Deno.writeTextFileSync(temp, `${JSON.stringify(state)}\n`);
    Deno.renameSync(temp, path);
  } catch (error) {
    try {
      Deno.removeSync(temp);
    } catch { /* never written */ }
    throw dataError(`--state: cannot write ${path} (${(error as Error).message})`);
  }
}

/**
 * `watch`: polls the project until Ctrl-C (or once), printing each change and handing it to the
 * webhook and the --exec command, neither of which can hold the watch up. The exit code is the
 * --fail-on gate on the worst verdict of the runs watched.
 */
export async function runWatch(options: WatchOptions, settings: WatchSettings): Promise<number> {
  const project = options.project!;
  const interval = intervalOf(options.interval);
  if (options.state && !options.once) {
    throw usageError("--state goes with --once: a watch that keeps running remembers by itself");
  }
  const runs = options.runs?.split(",").map((r) => r.trim()).filter(Boolean);
  if (runs?.length === 0) throw usageError("--runs: give at least one run");
  const minLevel = settings.minLevel ? minLevelOf(settings.minLevel, settings.minLevelOrigin) : "warning";
  const execLevel = options.execLevel ? minLevelOf(options.execLevel, "--exec-level") : "critical";
  const source = sourceFor(options);
  const heard: string[] = [];
  const url = source.kind === "remote" ? source.place : null;
  const memory = options.state ? readState(options.state, project) : undefined;
  const watcher = new ProjectWatcher(
    { source, heard },
    project,
    { runs, filter: regexOf(options.filter) },
    url,
    memory,
  );
  const problem = (line: string) => reportNotice(line);
  const notifier = settings.webhook
    ? new WebhookNotifier({
      url: checkWebhookUrl(settings.webhook, settings.webhookOrigin).href,
      format: options.webhookFormat,
      minLevel,
      onProblem: problem,
    })
    : undefined;
  const exec = options.exec
    ? new ExecHook({
      command: options.exec,
      minLevel: execLevel,
      // What the command printed follows its line, indented: its own words, never the watch's.
      onResult: (r) => {
        problem(describeExecResult(r));
        for (const line of r.output.trimEnd().split("\n").filter(Boolean)) writeErr(`  ${line}\n`);
      },
    })
    : undefined;
  const stop = new AbortController();
  // The first Ctrl-C ends the watch at once, even mid-pass (a pass cut short changes nothing); the
  // second also skips the wait for deliveries.
  const onSignal = () => {
    if (stop.signal.aborted) Deno.exit(130);
    stop.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  const stopped = new Promise<undefined>((resolve) =>
    stop.signal.addEventListener("abort", () => resolve(undefined), { once: true })
  );
  const live = new LivePoll(interval);
  let said = 0;
  let started = false;
  let undelivered = 0;
  try {
    while (!stop.signal.aborted) {
      // One pass asks every run: a server that cannot be reached fails --once, and waits otherwise.
      const pass = options.once ? watcher.poll() : live.poll(() => watcher.poll());
      pass.catch(() => {});
      const events = await Promise.race([pass, stopped]);
      if (stop.signal.aborted) break;
      heard.slice(said).forEach(reportNotice);
      said = heard.length;
      if (events) {
        if (!started) {
          started = true;
          startupNotes(watcher, runs, options.once === true, interval);
        }
        for (const event of events) {
          writeOut(options.json ? `${toJson(event)}\n` : `${eventLine(event)}\n`);
          notifier?.notify(event);
          exec?.handle(event);
        }
      }
      if (options.once) break;
      await sleep((events ? interval : live.nextWaitSeconds) * 1000, stop.signal);
    }
  } finally {
    // A pass (cron) gives deliveries and commands their whole time; after Ctrl-C they get a little.
    const cut = stop.signal.aborted;
    await Promise.all([
      notifier?.flush(cut ? DRAIN_MS : ONCE_WEBHOOK_MS),
      exec?.close(cut ? DRAIN_MS : EXEC_DEFAULTS.timeoutMs + EXEC_DEFAULTS.killGraceMs),
    ]);
    undelivered = notifier?.failed ?? 0;
    Deno.removeSignalListener("SIGINT", onSignal);
  }
  // A pass cut short by Ctrl-C saw nothing whole: the state stays as it was.
  if (options.state && !stop.signal.aborted) {
    // What was not delivered is told again by the next pass: the state is not saved over it.
    if (undelivered > 0) {
      reportNotice(
        `--state: not saved, ${undelivered} event${
          undelivered === 1 ? "" : "s"
        } not delivered to the webhook; the next pass tells them again`,
      );
    } else writeState(options.state, project, watcher.memory());
  }
  if (!options.once && !options.json) {
    writeErr(`stopped watching ${project}: ${watcher.verdict.toUpperCase()}\n`);
  }
  return gateExitCode(watcher.verdict, options.failOn);
}

/** What the watch follows, and the runs asked for that the project does not have (yet). */
function startupNotes(watcher: ProjectWatcher, runs: string[] | undefined, once: boolean, interval: number) {
  const known = watcher.runNames;
  for (const name of runs ?? []) {
    if (known.includes(name) || watcher.runIds.includes(name)) continue;
    const message = `run '${name}' not found in project '${watcher.project}'.${didYouMean(name, known)}`;
    if (once) throw notFound(message);
    reportNotice(`${message} Watching for it to start.`);
  }
  if (!once) {
    const finished = watcher.finishedAtStart;
    reportNotice(
      `watching ${watcher.following} run${watcher.following === 1 ? "" : "s"} of ${watcher.project}${
        finished ? ` (${finished} finished before, not followed)` : ""
      } every ${interval} s; Ctrl-C to stop`,
    );
  }
}
