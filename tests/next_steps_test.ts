/**
 * The overview's "Next:" lines are commands to paste: each must run as shown, on the data the
 * overview showed (the --dir given, quoted when it needs it) and with a metric the run really logs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MAIN, runCli } from "./helpers/cli.ts";
import { TrackioDb } from "./helpers/trackio_db.ts";

Deno.test("overview: every Next: line runs as pasted, with the --dir given and the run's own metric", async () => {
  const root = Deno.makeTempDirSync({ prefix: "trackio-next-" });
  const dir = join(root, "my runs");
  Deno.mkdirSync(dir);
  const db = new TrackioDb(join(dir, "grpo.db"), "head");
  db.log(
    "it's a run",
    Array.from({ length: 20 }, (_, step) => ({
      step,
      timestamp: new Date(Date.UTC(2026, 0, 1) + step * 1000).toISOString(),
      metrics: { "train/reward": step / 20, "train/kl": 0.01 * step },
    })),
  );
  db.close();
  try {
    const out = await runCli(["--dir", dir]);
    assert.equal(out.code, 0, out.stderr);
    const next = out.stdout.split("Next:\n")[1].trim().split("\n").map((l) => l.trim());
    assert.ok(next.some((l) => l.includes("-m train/kl") || l.includes("-m train/reward")), next.join("\n"));
    assert.ok(!next.some((l) => l.includes("train/loss")), "no metric the run does not log");
    for (const line of next.filter((l) => l !== "trackio-cli --help")) {
      assert.ok(line.includes(`--dir '${dir}'`), line);
      const pasted = await new Deno.Command("bash", {
        args: ["-c", `trackio-cli() { "${Deno.execPath()}" run -A "${MAIN}" "$@"; }\n${line}`],
        env: { NO_COLOR: "1", TRACKIO_DIR: "/nonexistent" },
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(pasted.code, 0, `${line}: ${new TextDecoder().decode(pasted.stderr)}`);
    }
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
