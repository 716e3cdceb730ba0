/**
 * A training job's writer, as Trackio behaves: every `interval` ms it opens the project database,
 * appends a batch of rows in one transaction (WAL mode) and, unless `keepOpen`, closes it again,
 * which checkpoints and removes the WAL between flushes.
 *
 * Usage: writer_process.ts PATH BATCHES ROWS_PER_BATCH INTERVAL_MS keep-open|reopen
 */
import { DatabaseSync } from "node:sqlite";
import { jsonBlob } from "./trackio_db.ts";

const [path, batchesArg, perBatchArg, intervalArg, mode] = Deno.args;
const batches = Number(batchesArg);
const perBatch = Number(perBatchArg);
const interval = Number(intervalArg);
const keepOpen = mode === "keep-open";

const open = () => {
  const db = new DatabaseSync(path, { timeout: 10_000 });
  db.exec("PRAGMA journal_mode = WAL");
  return db;
};
let db = open();
let step = Number(db.prepare("SELECT COALESCE(MAX(step), -1) AS s FROM metrics").get()!.s) + 1;
for (let b = 0; b < batches; b++) {
  if (!keepOpen && b > 0) db = open();
  const insert = db.prepare(
    "INSERT INTO metrics (run_id, timestamp, run_name, step, metrics, log_id) VALUES ('live', ?, 'live', ?, ?, ?)",
  );
  const stamp = new Date(Date.UTC(2026, 0, 1) + step * 1000).toISOString().replace("Z", "+00:00");
  db.exec("BEGIN IMMEDIATE");
  for (let i = 0; i < perBatch; i++, step++) {
    insert.run(
      stamp,
      step,
      jsonBlob({ loss: 1 / (1 + step), "train/grad_norm": 1 + (step % 7) }),
      crypto.randomUUID(),
    );
  }
  db.exec("COMMIT");
  if (!keepOpen) db.close();
  await new Promise((r) => setTimeout(r, interval));
}
if (keepOpen) db.close();
console.log(step);
