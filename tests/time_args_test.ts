/**
 * Time arguments (--since, --at-time; since and at_time over MCP): ISO-8601, a time ago or Unix
 * seconds; anything else is exit 2 naming the forms, never an empty answer that looks like "no alerts".
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseInstant } from "../src/tools/time_arg.ts";
import { TrackioCliError } from "../src/errors.ts";
import { runCli } from "./helpers/cli.ts";
import { call } from "./helpers/invoke.ts";
import { TrackioDb } from "./helpers/trackio_db.ts";

const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");

function project(now: number): string {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-times-" });
  const db = new TrackioDb(join(dir, "p.db"), "head");
  db.log("r", [
    { step: 1, timestamp: iso(now - 3 * 3600_000), metrics: { loss: 2 } },
    { step: 2, timestamp: iso(now - 20 * 60_000), metrics: { loss: 1 } },
  ]);
  db.alert({ run: "r", timestamp: iso(now - 3 * 3600_000), title: "old", level: "warn", step: 1 });
  db.alert({ run: "r", timestamp: iso(now - 20 * 60_000), title: "new", level: "warn", step: 2 });
  db.close();
  return dir;
}

Deno.test("parseInstant: ISO as given, times ago and Unix seconds in UTC, nothing else", () => {
  const now = Date.UTC(2026, 11, 2, 12, 0, 0);
  assert.equal(parseInstant("2026-08-24T09:15:00+02:00", now), "2026-08-24T09:15:00+02:00");
  assert.equal(parseInstant("2026-08-24", now), "2026-08-24");
  assert.equal(parseInstant("2h", now), "2026-12-02T10:00:00.000+00:00");
  assert.equal(parseInstant("30m ago", now), "2026-12-02T11:30:00.000+00:00");
  assert.equal(parseInstant("1d", now), "2026-12-01T12:00:00.000+00:00");
  assert.equal(parseInstant("1756000000", now), "2025-08-24T01:46:40.000+00:00");
  for (
    const bad of [
      "yesterday",
      "garbage",
      "",
      "2026-02-30",
      "2026-08-24T25:00",
      "20260824",
      "2x",
      "-1h",
      "200000000d",
    ]
  ) {
    assert.equal(parseInstant(bad, now), null, bad);
  }
});

Deno.test("alerts --since: a time ago and Unix seconds filter; a time that does not parse is exit 2", async () => {
  const now = Date.now();
  const dir = project(now);
  try {
    const titles = async (since: string) => {
      const out = await runCli(["alerts", "-p", "p", "--since", since, "--dir", dir, "--json"]);
      assert.equal(out.code, 0, out.stderr);
      return JSON.parse(out.stdout).map((a: { title: string }) => a.title);
    };
    assert.deepStrictEqual(await titles("2h"), ["new"]);
    assert.deepStrictEqual(await titles("1d"), ["new", "old"]);
    assert.deepStrictEqual(await titles(String(Math.floor((now - 3600_000) / 1000))), ["new"]);
    for (const bad of ["yesterday", "garbage", "2026-13-01"]) {
      const out = await runCli(["alerts", "-p", "p", "--since", bad, "--dir", dir]);
      assert.equal(out.code, 2, bad);
      assert.equal(out.stdout, "");
      assert.match(
        out.stderr,
        new RegExp(`--since '${bad}' is not a time: give an ISO-8601 time .* Unix seconds`),
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("values --at-time: a time ago finds the point; garbage is exit 2; MCP names its argument", async () => {
  const now = Date.now();
  const dir = project(now);
  try {
    const out = await runCli([
      "values",
      "-p",
      "p",
      "-r",
      "r",
      "-m",
      "loss",
      "--at-time",
      "20m",
      "--dir",
      dir,
      "--json",
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepStrictEqual(JSON.parse(out.stdout).map((p: { step: number }) => p.step), [2]);
    for (const args of [["values", "-m", "loss"], ["snapshot"]]) {
      const bad = await runCli([
        args[0],
        "-p",
        "p",
        "-r",
        "r",
        ...args.slice(1),
        "--at-time",
        "garbage",
        "--dir",
        dir,
      ]);
      assert.equal(bad.code, 2, args[0]);
      assert.equal(bad.stdout, "");
      assert.match(bad.stderr, /--at-time 'garbage' is not a time/);
    }
    await assert.rejects(
      () => call(dir, "get_alerts", { project: "p", since: "yesterday" }),
      (e) =>
        e instanceof TrackioCliError && e.code === "usage" &&
        /since.* 'yesterday' is not a time/.test(e.message),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
