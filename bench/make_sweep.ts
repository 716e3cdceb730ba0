/**
 * Builds the sweep benchmarks: 100 runs of 10,000 steps each in Trackio's current format, each row as
 * transformers logs it (loss, grad_norm, learning_rate, epoch, global_step), eval every 500 steps,
 * learning rates spread over two decades. `sweep-every-10.db` logs every 10 steps (TRL's usual
 * logging_steps: 100,000 rows), `sweep-every-step.db` every step (1,000,000 rows). Kept between runs.
 */
import type { DatabaseSync } from "node:sqlite";
import { ensureDatabase, trackioTime } from "./trackio_file.ts";

export const SWEEP_RUNS = 100;
export const SWEEP_STEPS = 10_000;

const fillSweep = (every: number) => (db: DatabaseSync): void => {
  const encoder = new TextEncoder();
  const insert = db.prepare(
    "INSERT INTO metrics (run_id, timestamp, run_name, step, metrics, log_id) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const config = db.prepare("INSERT INTO configs (run_id, run_name, config, created_at) VALUES (?, ?, ?, ?)");
  for (let r = 0; r < SWEEP_RUNS; r++) {
    const id = `sweep${String(r).padStart(27, "0")}`;
    const name = `run-${String(r).padStart(3, "0")}`;
    const lr = 1e-6 * 10 ** (2 * (r / (SWEEP_RUNS - 1)));
    const start = Date.UTC(2026, 8, 1) + r * 3_600_000;
    // Better learning rates reach lower floors; the best sits in the middle of the range.
    const floor = 0.5 + 0.3 * Math.abs(Math.log10(lr) + 5);
    for (let step = every; step <= SWEEP_STEPS; step += every) {
      const stamp = trackioTime(start + Math.floor(step / 8) * 4000);
      const loss = floor + 1.8 * Math.exp(-step / 2000) + 0.05 * Math.sin(step * 12.9898 + r);
      const metrics = {
        "train/loss": loss,
        "train/grad_norm": 1 + 0.5 * Math.abs(Math.sin(step * 78.233 + r)),
        "train/learning_rate": lr * Math.cos((Math.PI / 2) * (step / SWEEP_STEPS)),
        "train/epoch": step / 2500,
        "train/global_step": step,
      };
      insert.run(id, stamp, name, step, encoder.encode(JSON.stringify(metrics)), `${id}-${step}`);
      if (step % 500 === 0) {
        insert.run(
          id,
          stamp,
          name,
          step,
          encoder.encode(JSON.stringify({ "eval/loss": loss + 0.06 })),
          `${id}-e${step}`,
        );
      }
    }
    config.run(
      id,
      name,
      encoder.encode(
        JSON.stringify({ learning_rate: lr, max_steps: SWEEP_STEPS, seed: 42, _Username: "bench" }),
      ),
      trackioTime(start),
    );
  }
};

/** The sweep logged every `every` steps (1 or 10); returns its project name. */
export function ensureSweep(every: 1 | 10): string {
  const project = every === 1 ? "sweep-every-step" : "sweep-every-10";
  ensureDatabase(`${project}.db`, fillSweep(every));
  return project;
}

if (import.meta.main) {
  const started = performance.now();
  console.log(
    `${ensureSweep(10)} and ${ensureSweep(1)} ready in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
}
