/** `values --follow`: tail -f for a metric while a writer process trains, ending on idle or Ctrl-C. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, spawnCli } from "./helpers/cli.ts";
import { lossRows, TrackioDb } from "./helpers/trackio_db.ts";

const WRITER = new URL("./helpers/writer_process.ts", import.meta.url).pathname;

function liveProject(): { dir: string; path: string } {
  const dir = Deno.makeTempDirSync({ prefix: "trackio-follow-" });
  const path = join(dir, "live.db");
  const db = new TrackioDb(path, "head");
  db.log("live", lossRows(5), "live");
  db.close();
  return { dir, path };
}

/** `values ... --follow` on the live run of `dir`. */
const followLive = (
  dir: string,
) => ["values", "-p", "live", "-r", "live", "-m", "loss", "--dir", dir, "--follow"];

Deno.test("--follow prints the points so far, then each new one once, and ends after --idle", async () => {
  const { dir, path } = liveProject();
  const follower = spawnCli([...followLive(dir), "--idle", "2", "--format", "ndjson"]);
  await new Promise((r) => setTimeout(r, 800));
  const writer = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", WRITER, path, "4", "5", "250", "reopen"],
  }).output();
  assert.equal(writer.code, 0);
  const out = await follower.output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const steps = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l).step);
  assert.deepStrictEqual(steps, Array.from({ length: 25 }, (_, i) => i), "every point once, in order");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--follow ends cleanly on Ctrl-C; its CSV is values --format csv, the header once", async () => {
  const { dir } = liveProject();
  const follower = spawnCli([...followLive(dir), "--format", "csv"]);
  const reader = follower.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (text.split("\n").length < 7) text += (await reader.read()).value ?? "";
  follower.kill("SIGINT");
  const status = await follower.status;
  reader.releaseLock();
  await follower.stdout.cancel().catch(() => {});
  const stderr = new TextDecoder().decode(await new Response(follower.stderr).arrayBuffer());
  assert.equal(status.code, 0, stderr);
  assert.equal(stderr, "");
  const table = await runCli([...followLive(dir).filter((a) => a !== "--follow"), "--format", "csv"]);
  assert.equal(table.code, 0, table.stderr);
  assert.equal(table.stdout.split("\r\n")[1], "2026-01-01T00:00:00.000+00:00,0,2");
  // The same writer of records: the lines streamed so far are the table's first lines, CRLF and all.
  const streamed = text.slice(0, text.lastIndexOf("\n") + 1);
  assert.ok(streamed.split("\n").length >= 6 && table.stdout.startsWith(streamed), JSON.stringify(streamed));
  Deno.removeSync(dir, { recursive: true });
});
