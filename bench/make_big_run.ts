/**
 * Builds `bench/data/big.db`: one 1,000,000-step run in Trackio's current format (JSON as BLOB,
 * WAL header, run ids, eval rows every 1,000 steps, rows flushed in batches sharing a timestamp).
 * Kept between bench runs; delete the file to rebuild.
 */
import type { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { DATA_DIR, ensureDatabase, trackioTime } from "./trackio_file.ts";

export const BIG_STEPS = 1_000_000;
export const BIG_RUN_ID = "0123456789abcdef0123456789abcdef";
export const BIG_DB = join(DATA_DIR, "big.db");

export function ensureBigRun(): string {
  return ensureDatabase("big.db", fillBigRun);
}

function fillBigRun(db: DatabaseSync): void {
  const encoder = new TextEncoder();
  const insert = db.prepare(
    "INSERT INTO metrics (run_id, timestamp, run_name, step, metrics, log_id) VALUES (?, ?, 'big-run', ?, ?, ?)",
  );
  const start = Date.UTC(2026, 7, 1);
  for (let step = 1; step <= BIG_STEPS; step++) {
    // Rows of one flush (every 8 steps) share a timestamp, as Trackio's background writer does.
    const stamp = trackioTime(start + Math.floor(step / 8) * 4000);
    const loss = 2.3 * Math.exp(-step / 300_000) + 0.4 + 0.05 * Math.sin(step * 12.9898) +
      (step % 99_991 === 0 ? 3 : 0);
    const metrics = {
      "train/loss": loss,
      "train/grad_norm": 1 + 0.5 * Math.abs(Math.sin(step * 78.233)),
      "train/learning_rate": 2e-5 * Math.cos((Math.PI / 2) * (step / BIG_STEPS)),
      "train/epoch": step / 250_000,
      "train/global_step": step,
    };
    insert.run(BIG_RUN_ID, stamp, step, encoder.encode(JSON.stringify(metrics)), `log-${step}`);
    if (step % 1000 === 0) {
      const evalRow = { "eval/loss": loss + 0.06, "eval/runtime": 12.5, "train/epoch": step / 250_000 };
      insert.run(BIG_RUN_ID, stamp, step, encoder.encode(JSON.stringify(evalRow)), `eval-${step}`);
    }
  }
  db.prepare("INSERT INTO configs (run_id, run_name, config, created_at) VALUES (?, 'big-run', ?, ?)").run(
    BIG_RUN_ID,
    encoder.encode(JSON.stringify({ learning_rate: 2e-5, max_steps: BIG_STEPS, _Username: "bench" })),
    trackioTime(start),
  );
}

if (import.meta.main) {
  const started = performance.now();
  ensureBigRun();
  console.log(`${BIG_DB} ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
