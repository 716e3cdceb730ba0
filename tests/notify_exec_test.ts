/**
 * `watch --exec` with real `sh -c` commands: what a command gets (environment, the event on stdin), once
 * per run and rule, failures and hangs reported and never fatal, shutdown bounded.
 */
import { watchEvent } from "./helpers/watch_runs.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { TrackioCliError } from "../src/errors.ts";
import { describeExecResult, ExecHook, type ExecOptions, type ExecResult } from "../src/notify/exec.ts";
import type { WatchEvent } from "../src/watch/event.ts";

const event = (over: Partial<WatchEvent> = {}) =>
  watchEvent({ actions: ["Lower the learning rate."], url: null, ...over });

function hook(command: string, options: Partial<ExecOptions> = {}) {
  const results: ExecResult[] = [];
  const exec = new ExecHook({ command, onResult: (r) => results.push(r), ...options });
  return { exec, results };
}

/** A shell word for `path`, whatever the temporary directory is called. */
const quoted = (path: string) => `'${path.replaceAll("'", `'\\''`)}'`;

Deno.test("the command gets the event in TRACKIO_CLI_* variables and as one JSON line on stdin", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-exec-" });
  const env = join(dir, "env.txt");
  const stdin = join(dir, "stdin.txt");
  const { exec, results } = hook(
    `env | grep '^TRACKIO_CLI_' | sort > ${quoted(env)}; cat > ${quoted(stdin)}`,
  );
  const started = performance.now();
  exec.handle(event());
  assert.ok(performance.now() - started < 50, "handle does not wait for the command");
  await exec.close(5000);
  assert.deepStrictEqual(Deno.readTextFileSync(env).split("\n"), [
    "TRACKIO_CLI_EVENT=finding_opened",
    "TRACKIO_CLI_MESSAGE=loss rose from 0.9 to 12.5 over 30 steps",
    "TRACKIO_CLI_PROJECT=demo",
    "TRACKIO_CLI_RULE=loss.divergence",
    "TRACKIO_CLI_RUN=run-a",
    "TRACKIO_CLI_RUN_ID=id-run-a",
    "TRACKIO_CLI_SEVERITY=critical",
    "TRACKIO_CLI_STEP=120",
    "",
  ]);
  const input = Deno.readTextFileSync(stdin);
  assert.ok(input.endsWith("\n") && input.indexOf("\n") === input.length - 1, "one line");
  assert.deepStrictEqual(JSON.parse(input), event());
  assert.equal(results.length, 1);
  const { ms, ...rest } = results[0];
  assert.deepStrictEqual(rest, { event: event(), code: 0, signal: null, output: "", timedOut: false });
  assert.ok(ms >= 0 && ms < 5000);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("absent values are empty variables", async () => {
  const { exec, results } = hook(`echo "[$TRACKIO_CLI_RUN_ID][$TRACKIO_CLI_STEP]"`);
  exec.handle(event({ run_id: null, step: null }));
  await exec.close(5000);
  assert.equal(results[0].output, "[][]\n");
});

Deno.test("once per run and rule for the hook's life; only findings opening at or above the level", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-exec-" });
  const log = join(dir, "ran.txt");
  const { exec, results } = hook(`echo "$TRACKIO_CLI_RUN $TRACKIO_CLI_RULE" >> ${quoted(log)}`);
  exec.handle(event());
  exec.handle(event());
  exec.handle(event({ kind: "finding_cleared", severity: "info" }));
  exec.handle(event());
  exec.handle(event({ rule: "grad.explosion" }));
  exec.handle(event({ run: "run-b" }));
  exec.handle(event({ project: "other" }));
  exec.handle(event({ run: "run-c", severity: "warning" }));
  exec.handle(event({ run: "run-d", kind: "run_stalled", rule: null }));
  // A run is known by its id: a second run under the same name is acted on too; a run that starts
  // again (deleted and logged again under its id) may be acted on again.
  exec.handle(event({ run: "run-b", run_id: "id-run-b-again" }));
  exec.handle(event({ run: "run-b", kind: "run_started", severity: "info", rule: null }));
  exec.handle(event({ run: "run-b" }));
  await exec.close(5000);
  assert.deepStrictEqual(Deno.readTextFileSync(log).trim().split("\n").sort(), [
    "run-a grad.explosion",
    "run-a loss.divergence",
    "run-a loss.divergence",
    "run-b loss.divergence",
    "run-b loss.divergence",
    "run-b loss.divergence",
  ]);
  assert.equal(results.length, 6);

  const warning = hook(`echo "$TRACKIO_CLI_SEVERITY"`, { minLevel: "warning" });
  warning.exec.handle(event({ severity: "warning" }));
  warning.exec.handle(event({ severity: "info", rule: "other" }));
  await warning.exec.close(5000);
  assert.deepStrictEqual(warning.results.map((r) => r.output), ["warning\n"]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a failing command is reported with its status and output, and the hook goes on", async () => {
  const { exec, results } = hook(`echo to-stdout; echo to-stderr >&2; exit 3`);
  exec.handle(event());
  exec.handle(event({ run: "run-b" }));
  await exec.close(5000);
  assert.equal(results.length, 2);
  for (const r of results) {
    assert.deepStrictEqual([r.code, r.signal, r.timedOut], [3, null, false]);
    assert.deepStrictEqual(r.output.split("\n").sort(), ["", "to-stderr", "to-stdout"]);
  }
  assert.match(
    describeExecResult(results[0]),
    /^--exec for loss\.divergence on run-a: exit 3 after [\d.]+ s$/,
  );
});

/** Whether process `pid` is gone (a zombie nobody reaped counts as gone: it runs nothing). */
function gone(pid: number): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].startsWith("Z");
  } catch {
    return true;
  }
}

Deno.test("a command that hangs is killed at its timeout, with what it started, and reported so", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-exec-" });
  const pidFile = join(dir, "child.pid");
  const { exec, results } = hook(`echo started; sleep 30 & echo $! > ${quoted(pidFile)}; wait; echo never`, {
    timeoutMs: 150,
  });
  const started = performance.now();
  exec.handle(event());
  await exec.close(5000);
  const took = performance.now() - started;
  assert.ok(took >= 140 && took < 2000, `took ${took} ms`);
  assert.equal(results.length, 1);
  const { code, signal, output, timedOut } = results[0];
  assert.deepStrictEqual({ code, signal, output, timedOut }, {
    code: null,
    signal: "SIGTERM",
    output: "started\n",
    timedOut: true,
  });
  assert.match(describeExecResult(results[0]), /: killed at its timeout \(SIGTERM\) after 0\.\d+ s$/);
  if (Deno.build.os === "linux") {
    const child = Number(Deno.readTextFileSync(pidFile));
    for (let i = 0; i < 40 && !gone(child); i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(gone(child), "the command's own child was killed too");
  }
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("close waits for running commands, up to its timeout; then kills them", async () => {
  const finishing = hook(`sleep 0.1; echo done`);
  finishing.exec.handle(event());
  await finishing.exec.close(5000);
  assert.deepStrictEqual(finishing.results.map((r) => [r.code, r.output]), [[0, "done\n"]]);

  const stuck = hook(`sleep 30`, { maxConcurrent: 1 });
  stuck.exec.handle(event());
  stuck.exec.handle(event({ run: "run-b" }));
  const started = performance.now();
  await stuck.exec.close(100);
  assert.ok(performance.now() - started < 1500);
  assert.deepStrictEqual(
    stuck.results.map((r) => [r.event.run, r.code, r.signal, r.timedOut, r.output]).sort(),
    [["run-a", null, "SIGKILL", false, ""], ["run-b", null, null, false, "not run: watch stopped first"]],
  );
  stuck.exec.handle(event({ run: "run-c" }));
  assert.equal(stuck.results.length, 2, "a closed hook runs nothing more");
});

Deno.test("output is kept to its beginning and end, however much the command prints", async () => {
  const { exec, results } = hook(`echo BEGIN; head -c 100000 /dev/zero | tr '\\000' x; echo; echo END`);
  exec.handle(event());
  await exec.close(5000);
  const { output } = results[0];
  assert.ok(output.length < 4200, `${output.length} characters`);
  assert.ok(output.startsWith("BEGIN\nxxx"), output.slice(0, 20));
  assert.ok(output.endsWith("xxx\nEND\n"), output.slice(-20));
  assert.match(output, /\n… \(95915 bytes cut\) …\n/);
});

Deno.test("a command that does not read its input is still reported; an empty one is a usage error", async () => {
  const { exec, results } = hook(`exit 0`);
  exec.handle(event({ message: "y".repeat(300_000) }));
  await exec.close(5000);
  assert.deepStrictEqual(results.map((r) => [r.code, r.timedOut]), [[0, false]]);
  assert.throws(
    () => new ExecHook({ command: "  " }),
    (e: unknown) => e instanceof TrackioCliError && e.code === "usage",
  );
});
