/**
 * `trackio-cli watch` as a user runs it: real subprocesses on real Trackio files written between
 * passes, a real webhook receiver on loopback, a real `--exec` command, Ctrl-C, `--once` with
 * `--state` for cron, a Trackio server double for `--space`, and bad input.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { interrupt, runCli, spawnCli } from "./helpers/cli.ts";
import { startFaultServer } from "./helpers/fault_server.ts";
import { serveDir } from "./helpers/remote.ts";
import { TrackioDb } from "./helpers/trackio_db.ts";
import { curve, diverging, falling, goingNan, summaryRow } from "./helpers/watch_runs.ts";

interface Sweep {
  dir: string;
  write(fill: (db: TrackioDb) => void): void;
}

/** A project with a healthy run, a finished one and a run going NaN. */
function sweep(): Sweep {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-watch-" });
  const path = join(dir, "sweep.db");
  const db = new TrackioDb(path, "head");
  db.log("healthy", curve(0, 200, falling), "id-h");
  db.log("done", [...curve(0, 200, diverging, 60_000), summaryRow(200)], "id-x");
  db.log("nan", curve(0, 200, goingNan), "id-n");
  db.close();
  return {
    dir,
    write: (fill) => {
      const db = new TrackioDb(path, "head", false);
      fill(db);
      db.close();
    },
  };
}

const kinds = (stdout: string) =>
  stdout.trim().split("\n").filter(Boolean).map((l) => {
    const e = JSON.parse(l);
    return `${e.kind} ${e.run}${e.rule ? ` ${e.rule}` : ""}`;
  });

/** A webhook receiver on loopback that records what it is sent. */
function receiver(refuse = () => false) {
  const bodies: unknown[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (refuse()) return new Response("no", { status: 400 });
    bodies.push(await req.json());
    return new Response("ok");
  });
  return {
    bodies,
    url: `http://127.0.0.1:${server.addr.port}/hooks/secret-path-XYZ`,
    close: () => server.shutdown(),
  };
}

Deno.test("watch --once: what is wrong now, as lines or JSON events; --fail-on gates the exit code", async () => {
  const s = sweep();
  const text = await runCli(["watch", "-p", "sweep", "--dir", s.dir, "--once"]);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stderr, "");
  const lines = text.stdout.trim().split("\n");
  assert.equal(lines.length, 1, text.stdout);
  assert.match(
    lines[0],
    /^\d\d:\d\d:\d\d nan @199 \[critical\] grad\.explosion: train\/loss became NaN at step 150 .*\(evidence at \d+, 150\) · do: Restart from the last checkpoint/,
  );
  const json = await runCli([
    "watch",
    "-p",
    "sweep",
    "--dir",
    s.dir,
    "--once",
    "--json",
    "--fail-on",
    "critical",
  ]);
  assert.equal(json.code, 7, json.stderr);
  assert.deepEqual(kinds(json.stdout), ["finding_opened nan grad.explosion"]);
  const event = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(event), [
    "kind",
    "time",
    "project",
    "run",
    "run_id",
    "severity",
    "verdict",
    "step",
    "rule",
    "message",
    "evidence_steps",
    "actions",
    "url",
  ]);
  assert.equal(event.run_id, "id-n");
  const healthyOnly = await runCli([
    "watch",
    "-p",
    "sweep",
    "--dir",
    s.dir,
    "--once",
    "--runs",
    "healthy",
    "--fail-on",
    "warning",
  ]);
  assert.equal(healthyOnly.code, 0, healthyOnly.stderr);
  assert.equal(healthyOnly.stdout, "");
  Deno.removeSync(s.dir, { recursive: true });
});

Deno.test("watch --once --state: a cron pass reports only what changed since the last one", async () => {
  const s = sweep();
  const state = join(s.dir, "state", "watch.json");
  Deno.mkdirSync(join(s.dir, "state"));
  const pass = () => runCli(["watch", "-p", "sweep", "--dir", s.dir, "--once", "--json", "--state", state]);
  const first = await pass();
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(kinds(first.stdout), ["finding_opened nan grad.explosion"]);
  assert.equal((await pass()).stdout, "", "nothing new");
  s.write((db) => {
    db.log("late", curve(0, 200, diverging), "id-l");
    db.log("healthy", [summaryRow(200)], "id-h");
  });
  const third = await pass();
  assert.deepEqual(kinds(third.stdout), [
    "run_finished healthy",
    "run_started late",
    "finding_opened late loss.divergence",
  ]);
  assert.deepEqual(Deno.readDirSync(join(s.dir, "state")).map((e) => e.name).toArray(), ["watch.json"]);
  Deno.writeTextFileSync(state, "{not json");
  const broken = await pass();
  assert.equal(broken.code, 4);
  // With --json the error is JSON too.
  assert.match(
    JSON.parse(broken.stderr).error.message,
    /^--state: .*watch\.json is not a watch state file \(not JSON\)$/,
  );
  const other = await runCli(["watch", "-p", "sweep", "--dir", s.dir, "--state", state]);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /--state goes with --once/);
  Deno.removeSync(s.dir, { recursive: true });
});

Deno.test("watch follows runs as they log: new runs, findings opening, Ctrl-C; webhook and --exec get the events", async () => {
  const s = sweep();
  const hook = receiver();
  const ran = join(s.dir, "exec.log");
  const watcher = spawnCli([
    "watch",
    "-p",
    "sweep",
    "--dir",
    s.dir,
    "--interval",
    "1",
    "--json",
    "--fail-on",
    "critical",
    "--webhook",
    hook.url,
    "--webhook-format",
    "json",
    "--exec",
    `{ printf '%s %s %s %s %s ' "$TRACKIO_CLI_PROJECT" "$TRACKIO_CLI_RUN" "$TRACKIO_CLI_RULE" "$TRACKIO_CLI_SEVERITY" "$TRACKIO_CLI_STEP"; cat; } >> '${ran}'`,
  ]);
  const reader = watcher.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const until = async (pattern: RegExp) => {
    while (!pattern.test(out)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`ended before ${pattern}: ${out}`);
      out += value;
    }
  };
  try {
    await until(/grad\.explosion/);
    s.write((db) => {
      db.log("late", curve(0, 200, diverging), "id-l");
      db.log("healthy", curve(200, 3, falling), "id-h");
    });
    await until(/loss\.divergence/);
    s.write((db) => db.log("healthy", [summaryRow(203)], "id-h"));
    await until(/run_finished/);
    const { code, stderr } = await interrupt(watcher, reader);
    assert.equal(code, 7, stderr);
    assert.deepEqual(kinds(out), [
      "finding_opened nan grad.explosion",
      "run_started late",
      "finding_opened late loss.divergence",
      "run_finished healthy",
    ]);
    assert.match(stderr, /^note: watching 2 runs of sweep \(1 finished before, not followed\) every 1 s/);
    assert.match(stderr, /--exec for grad\.explosion on nan: exit 0/);
    assert.doesNotMatch(stderr, /secret-path-XYZ/);
    // The webhook got the events at warning or above, each once, as the JSON lines printed.
    const printed = out.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(hook.bodies, printed.filter((e) => e.severity !== "info"));
    // --exec ran once per run and rule at critical, with the event in its environment and on stdin.
    const lines = Deno.readTextFileSync(ran).trim().split("\n");
    assert.deepEqual(lines.map((l) => l.split(" ").slice(0, 5).join(" ")), [
      "sweep nan grad.explosion critical 199",
      "sweep late loss.divergence critical 199",
    ]);
    assert.deepEqual(JSON.parse(lines[0].split(" ").slice(5).join(" ")), printed[0]);
  } finally {
    await hook.close();
    Deno.removeSync(s.dir, { recursive: true });
  }
});

Deno.test("watch --space: the same events through a Trackio server", async () => {
  const s = sweep();
  const { server } = serveDir(s.dir);
  try {
    const local = await runCli(["watch", "-p", "sweep", "--dir", s.dir, "--once", "--json"]);
    const remote = await runCli(["watch", "-p", "sweep", "--space", server.url, "--once", "--json"]);
    assert.equal(remote.code, 0, remote.stderr);
    const strip = (text: string) =>
      text.trim().split("\n").map((l) => ({ ...JSON.parse(l), time: null, url: null }));
    assert.deepEqual(strip(remote.stdout), strip(local.stdout));
    assert.equal(JSON.parse(remote.stdout).url, server.url.endsWith("/") ? server.url : `${server.url}/`);
  } finally {
    await server.close();
    Deno.removeSync(s.dir, { recursive: true });
  }
});

Deno.test("watch: bad input is one line and a documented exit code", async () => {
  const cases: [string[], number, RegExp][] = [
    [["watch", "--demo", "--once"], 2, /^error: watch: give the project to watch with --project/],
    [["watch", "--demo", "-p", "sft-qwn", "--once"], 3, /Did you mean 'sft-qwen'\?/],
    [
      ["watch", "--demo", "-p", "sft-qwen", "--once", "--runs", "nan-blowp"],
      3,
      /Did you mean 'nan-blowup'\?/,
    ],
    [
      ["watch", "--demo", "-p", "sft-qwen", "--interval", "0.5"],
      2,
      /--interval: '0\.5' is not a number of seconds >= 1/,
    ],
    [["watch", "--demo", "-p", "sft-qwen", "--filter", "("], 2, /--filter: '\(' is not a regular expression/],
    [["watch", "--demo", "-p", "sft-qwen", "--min-level", "loud"], 2, /--min-level: 'loud'/],
    [
      ["watch", "--demo", "-p", "sft-qwen", "--webhook", "ftp://x/secret"],
      2,
      /--webhook: .* is not an http or https URL/,
    ],
  ];
  for (const [args, code, pattern] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /secret|\n\s+at /);
  }
  const env = await runCli(["watch", "--demo", "-p", "sft-qwen", "--once"], {
    env: { TRACKIO_WEBHOOK_URL: "not a url", TRACKIO_WEBHOOK_MIN_LEVEL: "warn" },
  });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /^error: TRACKIO_WEBHOOK_URL: /);
});

Deno.test("watch: Ctrl-C ends it at once, even in the middle of a pass a slow server holds up", async () => {
  const s = sweep();
  let slow = false;
  let held: () => void;
  const holding = new Promise<void>((resolve) => held = resolve);
  const server = startFaultServer({
    dir: s.dir,
    fault: async () => {
      if (!slow) return undefined;
      held();
      await new Promise((r) => setTimeout(r, 3000));
      return undefined;
    },
  });
  try {
    const watcher = spawnCli(["watch", "-p", "sweep", "--space", server.url, "--interval", "1", "--json"]);
    const reader = watcher.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!/grad\.explosion/.test(out)) out += (await reader.read()).value ?? "";
    slow = true;
    await holding; // the next pass has begun, and waits on the server
    const sent = performance.now();
    const { code, stderr } = await interrupt(watcher, reader);
    assert.equal(code, 0, stderr);
    assert.ok(performance.now() - sent < 2500, `${Math.round(performance.now() - sent)} ms after Ctrl-C`);
    assert.doesNotMatch(stderr, /error/);
  } finally {
    await server.close();
    Deno.removeSync(s.dir, { recursive: true });
  }
});

Deno.test("watch --once --state: events the webhook did not take are told again, not saved over", async () => {
  const s = sweep();
  const state = join(s.dir, "watch.json");
  let refuse = true;
  const hook = receiver(() => refuse);
  const { bodies, url } = hook;
  const pass = () =>
    runCli(["watch", "-p", "sweep", "--dir", s.dir, "--once", "--state", state, "--webhook", url, "--json"]);
  try {
    const refused = await pass();
    assert.equal(refused.code, 0, refused.stderr);
    assert.match(refused.stderr, /--state: not saved, 1 event not delivered to the webhook/);
    assert.doesNotMatch(refused.stderr, /secret-path/);
    assert.throws(() => Deno.statSync(state), Deno.errors.NotFound);
    refuse = false;
    const delivered = await pass();
    assert.equal(delivered.stderr, "");
    assert.deepEqual(bodies.map((b) => (b as { rule: string }).rule), ["grad.explosion"]);
    assert.equal((await pass()).stdout, "", "saved now: nothing new");
    assert.equal(bodies.length, 1);
  } finally {
    await hook.close();
    Deno.removeSync(s.dir, { recursive: true });
  }
});

Deno.test("watch --state: a file whose runs are not what a watch remembers is unreadable data (exit 4)", async () => {
  const s = sweep();
  const state = join(s.dir, "watch.json");
  for (
    const runs of [{ "id-n": { findings: "abc" } }, { "id-n": { name: "nan", findings: { "x": "bogus" } } }]
  ) {
    Deno.writeTextFileSync(state, JSON.stringify({ version: 1, project: "sweep", runs }));
    const r = await runCli(["watch", "-p", "sweep", "--dir", s.dir, "--once", "--state", state]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^error: --state: .* is not a watch state file of this version\n$/);
    assert.equal(r.stdout, "");
  }
  const empty = await runCli(["watch", "-p", "sweep", "--dir", s.dir, "--once", "--webhook", ""]);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /^error: --webhook: give the webhook's URL/);
  Deno.removeSync(s.dir, { recursive: true });
});

Deno.test("watch honours Trackio's TRACKIO_WEBHOOK_URL and TRACKIO_WEBHOOK_MIN_LEVEL (info, warn, error)", async () => {
  const hook = receiver();
  try {
    const printed: Record<string, unknown[]> = {};
    const counts: Record<string, number> = {};
    for (const level of ["error", "warn", "info"]) {
      const before = hook.bodies.length;
      const r = await runCli(["watch", "--demo", "-p", "sft-qwen", "--once", "--json"], {
        env: { TRACKIO_WEBHOOK_URL: hook.url, TRACKIO_WEBHOOK_MIN_LEVEL: level },
      });
      assert.equal(r.code, 0, r.stderr);
      printed[level] = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
      // Past 5 messages a minute, the rest come as one summary: {"events": [...]}.
      const posted = hook.bodies.slice(before).flatMap((b) => (b as { events?: unknown[] }).events ?? [b]);
      counts[level] = posted.length;
      const least = {
        error: ["critical"],
        warn: ["warning", "critical"],
        info: ["info", "warning", "critical"],
      };
      assert.deepEqual(
        posted,
        printed[level].filter((e) =>
          least[level as keyof typeof least].includes((e as { severity: string }).severity)
        ),
        level,
      );
    }
    assert.ok(counts.error < counts.warn && counts.warn < counts.info, JSON.stringify(counts));
  } finally {
    await hook.close();
  }
});
