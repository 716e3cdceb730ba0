/**
 * `values --format ndjson` streams while it reads. When a training job starts writing in the middle
 * of the read (the snapshot it read from changes), the read is repeated, and the stream must go on
 * where it stopped: every point once, in order.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { spawnCli } from "./helpers/cli.ts";
import { TrackioDb } from "./helpers/trackio_db.ts";

const WRITER = new URL("./helpers/writer_process.ts", import.meta.url).pathname;
const POINTS = 200_000;

Deno.test("ndjson stream: a writer attaching mid-read makes no point come out twice", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-stream-" });
  const path = join(dir, "live.db");
  const db = new TrackioDb(path, "head");
  const start = Date.UTC(2026, 0, 1);
  db.log(
    "live",
    Array.from({ length: POINTS }, (_, step) => ({
      step,
      timestamp: new Date(start + step * 1000).toISOString().replace("Z", "+00:00"),
      metrics: { loss: 1 / (1 + step) },
    })),
    "live",
  );
  db.close(); // at rest: checkpointed, no -wal, so the CLI reads an immutable snapshot
  try {
    assert.equal(Deno.statSync(path).isFile, true);
    const child = spawnCli([
      "values",
      "-p",
      "live",
      "-r",
      "live",
      "-m",
      "loss",
      "--format",
      "ndjson",
      "--dir",
      dir,
    ]);
    const stderr = new Response(child.stderr).text();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let writer: Deno.ChildProcess | undefined;
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      // The first points are out: a job starts writing now, while the rest is being read.
      writer ??= new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", WRITER, path, "20", "50", "10", "keep-open"],
        stdout: "null",
        stderr: "null",
      }).spawn();
    }
    const status = await child.status;
    await writer?.status;
    assert.equal(status.code, 0, await stderr);
    const steps = text.trim().split("\n").map((line) => JSON.parse(line).step as number);
    assert.ok(steps.length >= POINTS, `${steps.length} lines`);
    steps.forEach((step, i) => assert.equal(step, i, `line ${i + 1}: step ${step} (a point written twice?)`));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
