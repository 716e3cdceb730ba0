/**
 * Reading while a training job writes: a real writer process appends rows the way Trackio does
 * while the CLI reads. Every read succeeds and sees a consistent prefix of the run, and the CLI
 * writes nothing: no rows, no schema change, no journal-mode change.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { runCli } from "./helpers/cli.ts";
import { TrackioDb } from "./helpers/trackio_db.ts";

const WRITER = new URL("./helpers/writer_process.ts", import.meta.url).pathname;

function schemaSql(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("SELECT group_concat(sql, ';') AS s FROM sqlite_schema").get()!.s as string;
  } finally {
    db.close();
  }
}

function headerJournal(path: string): [number, number] {
  const bytes = Deno.readFileSync(path).subarray(18, 20);
  return [bytes[0], bytes[1]];
}

for (const mode of ["reopen", "keep-open"] as const) {
  Deno.test(`reads while a writer appends (${mode === "reopen" ? "closing between flushes" : "holding its connection"})`, async () => {
    const dir = Deno.makeTempDirSync({ prefix: "trackio-live-" });
    const path = join(dir, "live.db");
    const seed = new TrackioDb(path, "head");
    seed.log("live", [{
      step: 0,
      metrics: { loss: 1, "train/grad_norm": 1 },
      timestamp: "2026-01-01T00:00:00+00:00",
    }], "live");
    seed.close();
    const schemaBefore = schemaSql(path);

    const batches = 60;
    const perBatch = 50;
    const writer = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", WRITER, path, String(batches), String(perBatch), "25", mode],
      stdout: "piped",
      stderr: "piped",
    }).spawn();

    let reads = 0;
    let lastCount = 0;
    const deadline = Date.now() + 60_000;
    let writerDone = false;
    const done = writer.output().then((out) => {
      writerDone = true;
      return out;
    });
    while (!writerDone && Date.now() < deadline) {
      const args = [
        ["values", "-p", "live", "-r", "live", "-m", "loss", "--json"],
        ["run-summary", "-p", "live", "-r", "live", "--json"],
        ["values", "-p", "live", "-r", "live", "-m", "loss", "--max-points", "50", "--json"],
      ][reads % 3];
      const out = await runCli([...args, "--dir", dir]);
      assert.equal(out.code, 0, `read ${reads} failed: ${out.stderr}`);
      const parsed = JSON.parse(out.stdout);
      if (args[0] === "values" && args.length === 9) {
        const steps = (parsed as { step: number }[]).map((p) => p.step);
        // A consistent snapshot is a prefix of the run: steps 0..n-1, each once, whole batches only.
        assert.deepEqual(steps, steps.map((_, i) => i), `read ${reads}: a torn or partial read`);
        assert.equal((steps.length - 1) % perBatch, 0, `read ${reads}: saw part of a batch`);
        assert.ok(steps.length >= lastCount, "rows never disappear");
        lastCount = steps.length;
      } else if (args[0] === "run-summary") {
        assert.equal((parsed.num_logs - 1) % perBatch, 0, `read ${reads}: saw part of a batch`);
      }
      reads++;
    }
    const out = await done;
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.ok(reads >= 3, `only ${reads} reads overlapped the writer`);

    const final = await runCli(["run-summary", "-p", "live", "-r", "live", "--json", "--dir", dir]);
    assert.equal(JSON.parse(final.stdout).num_logs, 1 + batches * perBatch);
    assert.equal(schemaSql(path), schemaBefore, "schema unchanged");
    assert.deepEqual(headerJournal(path), [2, 2], "still in WAL mode");
    Deno.removeSync(dir, { recursive: true });
  });
}

Deno.test("with narrower Deno permissions the CLI still reads (SQLite's ordinary read-only mode)", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-narrow-" });
  const db = new TrackioDb(join(dir, "p.db"), "head");
  db.log("r", [{ step: 0, metrics: { loss: 1 }, timestamp: "2026-01-01T00:00:00+00:00" }]);
  db.close();
  const out = await runCli(["values", "-p", "p", "-r", "r", "-m", "loss", "--json", "--dir", dir], {
    permissions: ["--allow-read", "--allow-env"],
  });
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(JSON.parse(out.stdout), [{ timestamp: "2026-01-01T00:00:00+00:00", step: 0, value: 1 }]);
});
