/**
 * The remote source (`--space`) against servers that fail the ways real ones do: refused, silent,
 * slow, busy (503), private (401/403), cut or HTML bodies, the wrong API version, SQLite errors, and a
 * restart in the middle of `values --follow`. Every check runs the real CLI in a subprocess over real
 * HTTP on loopback, with a time bound; every server started is closed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MAIN } from "./helpers/cli.ts";
import {
  doubleAnswer,
  type Fault,
  freePort,
  startFaultServer,
  startRawServer,
} from "./helpers/fault_server.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { TrackioDb } from "./helpers/trackio_db.ts";
import { startTrackioServer } from "./helpers/trackio_server.ts";
import { serverUrl, tokenAllowed } from "../src/store/remote/space.ts";
import { TrackioClient } from "../src/store/remote/client.ts";

const SECRET = "hf_SECRETxyz";
const PRIVATE = "private Space: pass --hf-token or set HF_TOKEN";
const RUNS = ["runs", "-p", "sft-qwen"];

/**
 * The CLI's environment: no token from this machine (neither HF_TOKEN nor the Hugging Face token
 * file) and the default timeout, whatever the shell running the tests has set.
 */
const BASE_ENV = {
  NO_COLOR: "1",
  HF_TOKEN: "",
  HF_TOKEN_PATH: "/nonexistent/trackio-cli-test/token",
  TRACKIO_CLI_TIMEOUT: "30",
  TRACKIO_CLI_COMPRESSION: "",
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function command(args: string[], env: Record<string, string> = {}): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { ...BASE_ENV, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs the CLI to its end, killing it (and failing) if it takes longer than `limitMs`. */
async function cli(args: string[], env: Record<string, string> = {}, limitMs = 20_000): Promise<Run> {
  const started = performance.now();
  const child = command(args, env).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, limitMs);
  const out = await child.output();
  clearTimeout(timer);
  const ms = performance.now() - started;
  const decoder = new TextDecoder();
  const run = { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr), ms };
  assert.ok(!timedOut, `trackio-cli ${args.join(" ")} still ran after ${limitMs} ms: ${run.stderr}`);
  return run;
}

/** Exit `code` and exactly one line on stderr, without a stack trace; returns that line. */
function oneLineError(run: Run, code: number): string {
  assert.equal(run.code, code, `exit code; stderr: ${run.stderr}; stdout: ${run.stdout}`);
  assert.ok(!run.stderr.includes("    at "), `a stack trace: ${run.stderr}`);
  const lines = run.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.length, 1, `one line on stderr: ${run.stderr}`);
  assert.match(lines[0], /^error: /);
  assert.equal(run.stdout, "");
  return lines[0];
}

/** What the plain double prints for `args`, to compare a faulty server's result against. */
async function againstDouble(dir: string, args: string[]): Promise<Run> {
  const server = startTrackioServer({ dir });
  try {
    const run = await cli([...args, "--space", server.url]);
    assert.equal(run.code, 0, run.stderr);
    return run;
  } finally {
    await server.close();
  }
}

/** A fault server for the duration of `body`. */
async function withFault<T>(
  dir: string,
  fault: Fault,
  body: (server: ReturnType<typeof startFaultServer>) => Promise<T>,
): Promise<T> {
  const server = startFaultServer({ dir, fault });
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

const plainText = (status: number, text: string) =>
  new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

const dir = fixtureDir("head");
const cleanup = () => Deno.removeSync(dir, { recursive: true });
globalThis.addEventListener("unload", cleanup);

// 1. Nothing listens.

Deno.test("a refused connection: exit 8, one line naming the URL, after the retries", async () => {
  const port = freePort();
  const run = await cli([...RUNS, "--space", `http://127.0.0.1:${port}/`]);
  const line = oneLineError(run, 8);
  assert.ok(line.includes(`http://127.0.0.1:${port}`), line);
  assert.match(line, /connection refused/);
  // Retried after 0.5, 1 and 2 s before giving up.
  assert.ok(run.ms >= 3400, `gave up after ${run.ms} ms, before the retries`);
});

// 2. Silent and slow servers.

Deno.test("a server that never answers: exit 8 after TRACKIO_CLI_TIMEOUT, not retried", async () => {
  const silent = startRawServer();
  try {
    const run = await cli([...RUNS, "--space", silent.url], { TRACKIO_CLI_TIMEOUT: "1" }, 15_000);
    const line = oneLineError(run, 8);
    assert.match(line, /did not answer within 1 s/);
    assert.ok(line.includes(`${silent.url}version`), line);
    assert.ok(run.ms < 4000, `took ${run.ms} ms: a timeout must not be retried`);
    assert.equal(silent.accepted, 1, "one connection: a timeout is not retried");
  } finally {
    await silent.close();
  }
});

Deno.test("an answer that stalls halfway: exit 8 after TRACKIO_CLI_TIMEOUT, not retried", async () => {
  const stall = startRawServer({
    send: 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"version": "0.3',
  });
  try {
    const run = await cli([...RUNS, "--space", stall.url], { TRACKIO_CLI_TIMEOUT: "1" }, 15_000);
    assert.match(oneLineError(run, 8), /version did not finish its answer within 1 s/);
    assert.ok(run.ms < 4000, `took ${run.ms} ms: a timeout must not be retried`);
    assert.equal(stall.accepted, 1);
  } finally {
    await stall.close();
  }
});

Deno.test("a connection cut in the middle of an answer is retried, then exit 8", async () => {
  const cut = startRawServer({
    send: 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"version": "0.3',
    hangUp: true,
  });
  try {
    const line = oneLineError(await cli([...RUNS, "--space", cut.url]), 8);
    assert.ok(line.includes(cut.url.replace(/\/$/, "")), line);
    assert.equal(cut.accepted, 4, "the request and its 3 retries");
  } finally {
    await cut.close();
  }
});

Deno.test("a slow server (300 ms an answer) within TRACKIO_CLI_TIMEOUT=2: the same output", async () => {
  const expected = await againstDouble(dir, RUNS);
  const slow: Fault = async () => {
    await new Promise((r) => setTimeout(r, 300));
    return undefined;
  };
  await withFault(dir, slow, async (server) => {
    const run = await cli([...RUNS, "--space", server.url], { TRACKIO_CLI_TIMEOUT: "2" });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, expected.stdout);
    assert.equal(run.stderr, "");
    assert.ok(server.seen.length >= 2);
  });
});

Deno.test("TRACKIO_CLI_TIMEOUT that is not a number of seconds: exit 2", async () => {
  const run = await cli([...RUNS, "--space", "http://127.0.0.1:9/"], { TRACKIO_CLI_TIMEOUT: "soon" });
  assert.match(oneLineError(run, 2), /TRACKIO_CLI_TIMEOUT: 'soon'/);
});

// 3. Busy servers.

Deno.test("503 twice, then real answers: the command succeeds with the same output", async () => {
  const expected = await againstDouble(dir, RUNS);
  const busy: Fault = (_, i) => (i < 2 ? plainText(503, "Service Unavailable") : undefined);
  await withFault(dir, busy, async (server) => {
    const run = await cli([...RUNS, "--space", server.url]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, expected.stdout);
    assert.equal(run.stderr, "");
    // The same request three times: two 503s, then its answer.
    assert.deepStrictEqual(server.seen.slice(0, 3).map((r) => r.path), ["/version", "/version", "/version"]);
  });
});

Deno.test("429, 502, 503 and 504 are retried even with a JSON body", async () => {
  const expected = await againstDouble(dir, RUNS);
  for (const status of [429, 502, 503, 504]) {
    const once: Fault = (_, i) =>
      i === 0
        ? new Response(JSON.stringify({ error: "Space is waking up" }), {
          status,
          headers: { "content-type": "application/json" },
        })
        : undefined;
    await withFault(dir, once, async (server) => {
      const run = await cli([...RUNS, "--space", server.url]);
      assert.equal(run.code, 0, `HTTP ${status}: ${run.stderr}`);
      assert.equal(run.stdout, expected.stdout);
      assert.deepStrictEqual(server.seen.slice(0, 2).map((r) => r.path), ["/version", "/version"]);
    });
  }
});

Deno.test("a 500 HTML page (a gateway, not Trackio) is retried like a 503", async () => {
  const expected = await againstDouble(dir, RUNS);
  const gateway: Fault = (r, i) =>
    i < 2 && r.path === "/version"
      ? new Response("<html><body>Internal Server Error</body></html>", {
        status: 500,
        headers: { "content-type": "text/html" },
      })
      : undefined;
  await withFault(dir, gateway, async (server) => {
    const run = await cli([...RUNS, "--space", server.url]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, expected.stdout);
  });
});

Deno.test("503 forever: exit 8 after the retries (about 3.5 s), naming the 503", async () => {
  await withFault(dir, () => plainText(503, "Service Unavailable"), async (server) => {
    const run = await cli([...RUNS, "--space", server.url]);
    const line = oneLineError(run, 8);
    assert.match(line, /HTTP 503/);
    assert.equal(server.seen.length, 4, "the request and its 3 retries");
    assert.ok(run.ms >= 3400 && run.ms < 10_000, `gave up after ${run.ms} ms`);
  });
});

// 4. Private Spaces and tokens.

for (const status of [401, 403]) {
  Deno.test(`HTTP ${status}: exit 9, private Space, pass --hf-token`, async () => {
    await withFault(dir, () => plainText(status, "Unauthorized"), async (server) => {
      const line = oneLineError(await cli([...RUNS, "--space", server.url]), 9);
      assert.ok(line.includes(PRIVATE), line);
      assert.ok(line.includes(`HTTP ${status}`), line);
      assert.equal(server.seen.length, 1, "not retried");
      assert.equal(server.seen[0].authorization, null, "no token to send");
      const json = await cli([...RUNS, "--space", server.url, "--json"]);
      assert.equal(json.code, 9);
      const error = JSON.parse(json.stderr).error;
      assert.equal(error.code, "auth");
      assert.ok(error.message.includes(PRIVATE), error.message);
    });
  });
}

const TOKEN_WAYS: { name: string; args: string[]; env: Record<string, string> }[] = [
  { name: "--hf-token", args: ["--hf-token", SECRET], env: {} },
  { name: "HF_TOKEN", args: [], env: { HF_TOKEN: SECRET } },
];

function assertNoSecret(run: Run, what: string): void {
  assert.ok(!run.stdout.includes(SECRET) && !run.stderr.includes(SECRET), `${what} shows the token`);
  assert.ok(
    !run.stdout.includes("SECRETxyz") && !run.stderr.includes("SECRETxyz"),
    `${what} shows the token`,
  );
}

for (const way of TOKEN_WAYS) {
  Deno.test(`a token from ${way.name} is sent as a bearer token and never printed`, async () => {
    // A private Space that refuses this token.
    await withFault(dir, () => plainText(401, "Unauthorized"), async (server) => {
      for (const json of [[], ["--json"]]) {
        const run = await cli([...RUNS, "--space", server.url, ...way.args, ...json], way.env);
        assert.equal(run.code, 9, run.stderr);
        assert.ok(run.stderr.includes(PRIVATE), run.stderr);
        assert.match(run.stderr, /the token was sent but not accepted/);
        assertNoSecret(run, `runs ${json.join(" ")}`);
      }
      const doctor = await cli(["doctor", "--json", "--space", server.url, ...way.args], way.env);
      assertNoSecret(doctor, "doctor --json");
      const report = JSON.parse(doctor.stdout);
      assert.equal(report.server.auth, "token");
      assert.equal(report.env.HF_TOKEN, way.name === "HF_TOKEN" ? "(set)" : null);
      assert.ok(server.seen.length >= 3);
      for (const r of server.seen) assert.equal(r.authorization, `Bearer ${SECRET}`);
    });
    // A Space that accepts it: every request carries it, nothing prints it.
    await withFault(dir, () => undefined, async (server) => {
      const run = await cli([...RUNS, "--space", server.url, ...way.args, "--json"], way.env);
      assert.equal(run.code, 0, run.stderr);
      assertNoSecret(run, "runs --json");
      const doctor = await cli(["doctor", "--json", "--space", server.url, ...way.args], way.env);
      assertNoSecret(doctor, "doctor --json");
      assert.equal(doctor.code, 0, doctor.stderr);
      const report = JSON.parse(doctor.stdout);
      assert.equal(report.server.reachable, true);
      assert.equal(report.env.HF_TOKEN, way.name === "HF_TOKEN" ? "(set)" : null);
      assert.ok(server.seen.length >= 3);
      for (const r of server.seen) assert.equal(r.authorization, `Bearer ${SECRET}`, r.path);
    });
  });
}

Deno.test("a redirect is not followed: exit 8, and the token does not go to the other host", async () => {
  await withFault(dir, () => undefined, async (elsewhere) => {
    const moved: Fault = () =>
      new Response(null, { status: 302, headers: { location: `${elsewhere.url}version` } });
    await withFault(dir, moved, async (server) => {
      const run = await cli([...RUNS, "--space", server.url, "--hf-token", SECRET]);
      assert.match(oneLineError(run, 8), /redirected \(HTTP 302\)/);
      assertNoSecret(run, "a redirect");
      assert.equal(server.seen.length, 1, "not retried");
      assert.equal(elsewhere.seen.length, 0, "the redirect was followed");
    });
  });
});

// 5. Answers that are not Trackio's.

Deno.test("a truncated JSON body (HTTP 200): exit 8, one line saying so, not retried", async () => {
  const cut: Fault = async (r) => {
    if (!r.path.startsWith("/api/")) return undefined;
    const whole = await doubleAnswer(dir, r).text();
    assert.ok(whole.length > 10);
    return new Response(whole.slice(0, Math.floor(whole.length / 2)), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  };
  await withFault(dir, cut, async (server) => {
    const line = oneLineError(await cli([...RUNS, "--space", server.url]), 8);
    assert.match(line, /not whole JSON \(truncated\?\)/);
    assert.ok(line.includes(`${server.url}api/get_all_projects`), line);
    assert.equal(server.seen.filter((r) => r.path.startsWith("/api/")).length, 1, "not retried");
  });
});

Deno.test("an HTML page (HTTP 200): exit 8, one line saying it is not Trackio's API", async () => {
  const page = () =>
    new Response("<!doctype html><html><head><title>Space</title></head><body>Hello</body></html>", {
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8" },
    });
  await withFault(dir, page, async (server) => {
    const line = oneLineError(await cli([...RUNS, "--space", server.url]), 8);
    assert.match(line, /answered with an HTML page/);
    assert.equal(server.seen.length, 1, "not retried");
  });
});

Deno.test("a server speaking HTTP API version 2: exit 8 naming the version", async () => {
  const server = startTrackioServer({ dir, apiVersion: 2, version: "0.99.0" });
  try {
    const line = oneLineError(await cli([...RUNS, "--space", server.url]), 8);
    assert.match(line, /HTTP API version 2/);
    assert.match(line, /Trackio 0\.99\.0/);
    assert.equal(server.stats.requests, 1, "nothing read after /version");
  } finally {
    await server.close();
  }
});

Deno.test("a server without /version (an older Trackio): exit 8, it needs a newer Trackio", async () => {
  const server = startTrackioServer({ dir, apiVersion: null });
  try {
    const line = oneLineError(await cli([...RUNS, "--space", server.url]), 8);
    assert.match(line, /no Trackio HTTP API \(GET \/version answered HTTP 404\)/);
    assert.match(line, /Trackio 0\.36 or newer/);
    assert.equal(server.stats.requests, 1, "not retried, nothing else read");
  } finally {
    await server.close();
  }
});

// 6. SQLite's own error.

Deno.test("a bad query: Trackio's 500 {error} becomes exit 2 with SQLite's message, not retried", async () => {
  await withFault(dir, () => undefined, async (server) => {
    const args = ["query", "-p", "sft-qwen", "--sql", "SELECT nope FROM metrics", "--space", server.url];
    const line = oneLineError(await cli(args), 2);
    assert.match(line, /no such column: nope/);
    const bad = server.seen.filter((r) => r.body.includes("SELECT nope"));
    assert.equal(bad.length, 1, "a SQLite error is not retried");
    assert.equal(bad[0].path, "/api/query_project");
    const json = await cli([...args, "--json"]);
    assert.equal(json.code, 2);
    assert.deepStrictEqual(JSON.parse(json.stderr).error.code, "usage");
  });
});

// 7. A restart during --follow.

/** Collects a stream's text as it arrives. */
function collect(stream: ReadableStream<Uint8Array>): { text: () => string; done: Promise<void> } {
  let text = "";
  const done = stream.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (text += chunk) }),
  ).catch(() => {});
  return { text: () => text, done };
}

async function waitFor(
  what: string,
  ok: () => boolean,
  limitMs: number,
  detail: () => string,
): Promise<void> {
  const end = Date.now() + limitMs;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`waited ${limitMs} ms for ${what}; ${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const BASELINE_ID = "1da5c24b02bc46aa8b318e3910814a6d";
const NEW_STEPS = [1510, 1520, 1530];

Deno.test("values --follow rides through a server restart: new points once, two notes, exit 0", async () => {
  const live = fixtureDir("head");
  const port = freePort();
  let server: { close(): Promise<void> } | undefined = startTrackioServer({ dir: live, port });
  const follower = command([
    "values",
    "-p",
    "sft-qwen",
    "-r",
    "baseline-v1",
    "-m",
    "train/loss",
    "--follow",
    "--idle",
    "20",
    "--format",
    "ndjson",
    "--space",
    `http://127.0.0.1:${port}/`,
  ]).spawn();
  const out = collect(follower.stdout);
  const err = collect(follower.stderr);
  const detail = () => `stdout tail: ${out.text().slice(-300)}; stderr: ${err.text()}`;
  const steps = () =>
    out.text().split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l).step as number);
  let exited = false;
  const status = follower.status.finally(() => (exited = true));
  try {
    await waitFor("the points so far", () => steps().includes(1500), 10_000, detail);
    const before = steps();
    assert.ok(before.length > 100 && new Set(before).size === before.length, detail());
    assert.equal(before.at(-1), 1500);
    await server.close();
    server = undefined;
    // One poll tries for ~3.5 s (0.5 + 1 + 2 s of retries) before the outage is noted; a restart
    // within that time would go unseen. So the server stays down until the note comes.
    await waitFor("the still-trying note", () => err.text().includes("still trying"), 8000, detail);
    // And through a second failed poll (2 s later, ~3.5 s long): the outage is noted once only.
    await new Promise((r) => setTimeout(r, 6500));
    assert.ok(!exited, `the follower ended while the server was down: ${detail()}`);
    assert.equal(err.text().split("\n").filter((l) => l !== "").length, 1, err.text());
    server = startTrackioServer({ dir: live, port });
    const db = new TrackioDb(join(live, "sft-qwen.db"), "head", false);
    db.log(
      "baseline-v1",
      NEW_STEPS.map((step, i) => ({
        step,
        metrics: { "train/loss": 0.79 - i * 0.01 },
        timestamp: `2026-08-24T09:30:${String(36 + i * 11).padStart(2, "0")}.910308+00:00`,
      })),
      BASELINE_ID,
    );
    db.close();
    await waitFor("the new points", () => steps().includes(NEW_STEPS.at(-1)!), 15_000, detail);
    // One more poll to show nothing comes twice.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepStrictEqual(steps(), [...before, ...NEW_STEPS], "every point once, in order");
    const values = out.text().trim().split("\n").slice(-3).map((l) => JSON.parse(l).value);
    assert.deepStrictEqual(values, [0.79, 0.78, 0.77]);
    const notes = err.text().split("\n").filter((l) => l !== "");
    assert.equal(notes.length, 2, err.text());
    assert.match(notes[0], /^note: cannot reach http:\/\/127\.0\.0\.1:\d+: .*; still trying$/);
    assert.equal(notes[1], "note: the server answers again");
    assert.ok(!err.text().includes("    at "), err.text());
    follower.kill("SIGINT");
    const timer = setTimeout(() => follower.kill("SIGKILL"), 10_000);
    const { code, signal } = await status;
    clearTimeout(timer);
    assert.equal(signal, null, "ended by its own hand, not killed");
    assert.equal(code, 0, detail());
    await Promise.all([out.done, err.done]);
  } finally {
    if (!exited) {
      follower.kill("SIGKILL");
      await status;
    }
    await out.done;
    await err.done;
    await server?.close();
    Deno.removeSync(live, { recursive: true });
  }
});

// 8. Space ids, URLs and where a token may go.

Deno.test("serverUrl: a Space id becomes its hf.space host the way Trackio derives it", () => {
  assert.equal(serverUrl("julien/my_space.v2").href, "https://julien-my-space-v2.hf.space/");
  assert.equal(serverUrl("  Julien/Trackio ").href, "https://julien-trackio.hf.space/");
});

Deno.test("serverUrl: a URL keeps host and path, loses query, fragment and credentials", () => {
  const url = serverUrl("https://user:pass@trackio.example.com:8443/team/board?write_token=abc123#runs");
  assert.equal(url.href, "https://trackio.example.com:8443/team/board/");
  assert.ok(!url.href.includes("abc123") && !url.href.includes("pass"));
  assert.equal(serverUrl("http://127.0.0.1:7860/?write_token=w").href, "http://127.0.0.1:7860/");
});

Deno.test("tokenAllowed: HTTPS anywhere, plain HTTP only to loopback", () => {
  for (
    const ok of [
      "https://example.com/",
      "http://127.0.0.1:7860/",
      "http://localhost:7860/",
      "http://[::1]:7860/",
    ]
  ) {
    assert.equal(tokenAllowed(new URL(ok)), true, ok);
  }
  for (
    const no of ["http://example.com/", "http://127.0.0.1.example.com/", "http://localhost.example.com/"]
  ) {
    assert.equal(tokenAllowed(new URL(no)), false, no);
  }
  // The client itself leaves the token out where it may not go.
  const client = (url: string) =>
    new TrackioClient(new URL(url), { token: SECRET, timeoutMs: 1000, backoffMs: [] });
  assert.equal(client("http://example.com/").sendsToken, false);
  assert.equal(client("http://127.0.0.1:7860/").sendsToken, true);
  assert.equal(client("https://example.com/").sendsToken, true);
});

Deno.test("a --space that is neither a Space id nor a URL: exit 2, one line", async () => {
  const line = oneLineError(await cli([...RUNS, "--space", "nonsense"]), 2);
  assert.match(line, /'nonsense' is neither a Space id \(user\/space\) nor a URL/);
  const json = await cli([...RUNS, "--space", "nonsense", "--json"]);
  assert.equal(json.code, 2);
  const lines = json.stderr.trim().split("\n");
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]).error.code, "usage");
});

// Bugs in src found by these tests, each with its fix suggested in the report that came with this
// file. They fail until src is fixed: set PENDING_SRC_FIXES to false then.

const PENDING_SRC_FIXES = false;

Deno.test({
  name: "a token with a line break inside is refused without being printed",
  ignore: PENDING_SRC_FIXES,
  fn: async () => {
    await withFault(dir, () => undefined, async (server) => {
      for (const token of ["hf_SECRET\nxyz", "hf_SECRET\rxyz"]) {
        const ways: { args: string[]; env: Record<string, string> }[] = [
          { args: ["--hf-token", token], env: {} },
          { args: [], env: { HF_TOKEN: token } },
        ];
        for (const way of ways) {
          const run = await cli([...RUNS, "--space", server.url, ...way.args], way.env);
          assert.ok(!run.stderr.includes("SECRET") && !run.stdout.includes("SECRET"), run.stderr);
          oneLineError(run, 2);
          assert.ok(run.ms < 3000, `retried (${run.ms} ms): a bad token is not a network failure`);
        }
      }
      assert.equal(server.seen.length, 0);
    });
  },
});

Deno.test({
  name: "TRACKIO_CLI_TIMEOUT beyond what a timer holds (or Infinity) means: wait as long as it takes",
  ignore: PENDING_SRC_FIXES,
  fn: async () => {
    const expected = await againstDouble(dir, RUNS);
    await withFault(dir, () => undefined, async (server) => {
      for (const seconds of ["99999999", "Infinity"]) {
        const run = await cli([...RUNS, "--space", server.url], { TRACKIO_CLI_TIMEOUT: seconds });
        assert.equal(run.code, 0, `TRACKIO_CLI_TIMEOUT=${seconds}: ${run.stderr}`);
        assert.equal(run.stdout, expected.stdout);
      }
    });
  },
});

Deno.test({
  name: "a JSON body that is not an object (null, a string, a number): exit 8, not an internal error",
  ignore: PENDING_SRC_FIXES,
  fn: async () => {
    for (const body of ["null", '"hello"', "42", "true"]) {
      const scalar: Fault = (r) =>
        r.path.startsWith("/api/")
          ? new Response(body, { status: 200, headers: { "content-type": "application/json" } })
          : undefined;
      await withFault(dir, scalar, async (server) => {
        const line = oneLineError(await cli([...RUNS, "--space", server.url]), 8);
        assert.match(line, /without Trackio's \{"data": \.\.\.\}/, body);
      });
    }
  },
});

Deno.test({
  name: "a connection cut in the middle of an answer is called that",
  ignore: PENDING_SRC_FIXES,
  fn: async () => {
    const cut = startRawServer({
      send: 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"v',
      hangUp: true,
    });
    try {
      const line = oneLineError(await cli([...RUNS, "--space", cut.url]), 8);
      assert.equal(line, `error: cannot reach ${cut.url.replace(/\/$/, "")}: the connection was cut`);
    } finally {
      await cut.close();
    }
  },
});
