/**
 * A training job that overfits, written the way Trackio writes (WAL, one transaction per flush,
 * closing between flushes): train loss falls all along, eval loss (every 20 steps) falls until step
 * 200 and then rises; at the end a summary row, as transformers logs one.
 *
 * Usage: training_writer.ts PATH START_STEP INTERVAL_MS
 */
import { DatabaseSync } from "node:sqlite";
import { jsonBlob } from "./trackio_db.ts";

const [path, startArg, intervalArg] = Deno.args;
const LAST = 400;

export function trainLoss(step: number): number {
  return 0.6 + 1.7 * Math.exp(-step / 120) * (1 + 0.02 * Math.sin(step));
}

export function evalLoss(step: number): number {
  return step <= 200 ? trainLoss(step) + 0.05 : trainLoss(200) + 0.05 + 0.002 * (step - 200);
}

export function rowsFor(step: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [{
    "train/loss": trainLoss(step),
    "train/grad_norm": 1 + (step % 3) / 10,
  }];
  if (step % 20 === 0) rows.push({ "eval/loss": evalLoss(step) });
  return rows;
}

if (import.meta.main) {
  let step = Number(startArg);
  while (step <= LAST) {
    const db = new DatabaseSync(path, { timeout: 10_000 });
    db.exec("PRAGMA journal_mode = WAL");
    const insert = db.prepare(
      "INSERT INTO metrics (run_id, timestamp, run_name, step, metrics, log_id) VALUES ('live', ?, 'live', ?, ?, ?)",
    );
    db.exec("BEGIN IMMEDIATE");
    for (const end = Math.min(LAST, step + 40); step <= end; step += 5) {
      const stamp = new Date(Date.UTC(2026, 0, 1) + step * 1000).toISOString().replace("Z", "+00:00");
      for (const metrics of rowsFor(step)) insert.run(stamp, step, jsonBlob(metrics), crypto.randomUUID());
    }
    if (step > LAST) {
      const stamp = new Date(Date.UTC(2026, 0, 1) + LAST * 1000 + 500).toISOString().replace("Z", "+00:00");
      insert.run(
        stamp,
        LAST,
        jsonBlob({ "train/train_runtime": 123.4, "train/train_loss": 0.9 }),
        crypto.randomUUID(),
      );
    }
    db.exec("COMMIT");
    db.close();
    await new Promise((r) => setTimeout(r, Number(intervalArg)));
  }
}
