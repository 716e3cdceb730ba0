/**
 * Which coding the client asks a Trackio server for: gzip, or plain answers from a server on this
 * machine (src/store/remote/coding.ts), and TRACKIO_CLI_COMPRESSION to choose. The choice itself
 * first, then real HTTP on loopback: a quick server, one as slow as a tunnel, and the CLI against the
 * Trackio double, which compresses what the client accepts, as Trackio does.
 */
import assert from "node:assert/strict";
import { CodingChoice, SAME_MACHINE_MS, SMALL_ANSWER_BYTES } from "../src/store/remote/coding.ts";
import { TrackioClient } from "../src/store/remote/client.ts";
import { join } from "node:path";
import { sleep } from "../src/util/sleep.ts";
import { runCli } from "./helpers/cli.ts";
import { startFaultServer } from "./helpers/fault_server.ts";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { TrackioDb } from "./helpers/trackio_db.ts";
import { startTrackioServer } from "./helpers/trackio_server.ts";

Deno.test("auto: gzip until a loopback server answers a small request as quickly as this machine does", () => {
  const choice = new CodingChoice("auto", true);
  assert.equal(choice.next(), "gzip");
  // The first answer sets up the runtime's client: however quick, it says nothing.
  choice.record(100, 0.5);
  assert.equal(choice.next(), "gzip");
  // Long answers say how much work the server did, not how far away it is.
  choice.record(SMALL_ANSWER_BYTES + 1, 0.5);
  assert.equal(choice.next(), "gzip");
  // A tunnel's round trip: still gzip.
  choice.record(100, SAME_MACHINE_MS + 5);
  assert.equal(choice.next(), "gzip");
  choice.record(100, SAME_MACHINE_MS - 1);
  assert.equal(choice.next(), "identity");
  // The quickest answer counts: a later slow one (a busy server) does not undo it.
  choice.record(100, 500);
  assert.equal(choice.next(), "identity");
});

Deno.test("auto: gzip from any host that is not loopback, however quick", () => {
  const choice = new CodingChoice("auto", false);
  for (let i = 0; i < 5; i++) choice.record(100, 0.1);
  assert.equal(choice.next(), "gzip");
});

Deno.test("TRACKIO_CLI_COMPRESSION=gzip or none: that coding always", () => {
  const gzip = new CodingChoice("gzip", true), none = new CodingChoice("none", false);
  for (let i = 0; i < 5; i++) [gzip, none].forEach((c) => c.record(100, 0.1));
  assert.equal(gzip.next(), "gzip");
  assert.equal(none.next(), "identity");
  assert.equal(new CodingChoice("none", false).next(), "identity");
});

const dir = fixtureDir("head");
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

/** The codings a client asked for in `calls` calls to the Trackio double answering after `delayMs`. */
async function askedFor(delayMs: number, calls: number): Promise<(string | null)[]> {
  const delay = async () => void (await sleep(delayMs));
  const server = startFaultServer({ dir, fault: delayMs ? delay : undefined });
  try {
    const client = new TrackioClient(new URL(server.url), { timeoutMs: 5_000, backoffMs: [] });
    for (let i = 0; i < calls; i++) await client.call("get_all_projects", {});
    return server.seen.map((request) => request.acceptEncoding);
  } finally {
    await server.close();
  }
}

Deno.test("over loopback HTTP: gzip at first, then plain answers; never br, which fetch asks for by default", async () => {
  const asked = await askedFor(0, 20);
  assert.deepEqual(asked.slice(0, 2), ["gzip", "gzip"], JSON.stringify(asked));
  assert.equal(asked[asked.length - 1], "identity", JSON.stringify(asked));
  assert.ok(asked.every((coding) => coding === "gzip" || coding === "identity"), JSON.stringify(asked));
});

Deno.test("a loopback server as slow as a tunnel to another machine (25 ms an answer) is always asked for gzip", async () => {
  const asked = await askedFor(25, 6);
  assert.deepEqual(asked, Array(7).fill("gzip"));
});

/** How many of the CLI's answers the Trackio double gzipped, with TRACKIO_CLI_COMPRESSION=`policy`. */
async function gzippedOf(policy: string): Promise<{ gzipped: number; requests: number; stdout: string }> {
  const server = startTrackioServer({ dir });
  try {
    const run = await runCli(["runs", "-p", "sft-qwen", "--json", "--space", server.url], {
      env: { TRACKIO_CLI_COMPRESSION: policy },
    });
    assert.equal(run.code, 0, run.stderr);
    return { gzipped: server.stats.gzipped, requests: server.stats.requests, stdout: run.stdout };
  } finally {
    await server.close();
  }
}

Deno.test("the CLI: TRACKIO_CLI_COMPRESSION=gzip gets every answer gzipped, none gets none, with the same result", async () => {
  const gzip = await gzippedOf("gzip");
  const none = await gzippedOf("none");
  assert.ok(gzip.requests > 2);
  assert.equal(gzip.gzipped, gzip.requests);
  assert.equal(none.gzipped, 0);
  assert.equal(none.stdout, gzip.stdout);
  assert.equal((await gzippedOf("")).stdout, gzip.stdout, "unset: auto");
});

Deno.test("TRACKIO_CLI_COMPRESSION that is not auto, gzip or none: exit 2, one line", async () => {
  const run = await runCli(["runs", "-p", "sft-qwen", "--space", "http://127.0.0.1:9/"], {
    env: { TRACKIO_CLI_COMPRESSION: "brotli" },
  });
  assert.equal(run.code, 2);
  assert.equal(run.stdout, "");
  assert.equal(
    run.stderr.trim(),
    "error: TRACKIO_CLI_COMPRESSION: 'brotli' is not one of auto, gzip, none",
  );
});

Deno.test("a long read pages stored rows by 2 MB when answers come plain and by 8 MB when gzipped, to the same result", async () => {
  // 30,000 rows of about 200 bytes: some 6 MB of stored text, one page gzipped, several plain.
  const long = Deno.makeTempDirSync();
  try {
    const db = new TrackioDb(join(long, "long.db"), "head");
    db.log(
      "r",
      Array.from({ length: 30_000 }, (_, i) => ({
        step: i,
        metrics: {
          "train/loss": 2 / (1 + i * 0.001) + 0.01 * Math.sin(i),
          "train/grad_norm": 1 + 0.1 * Math.cos(i),
          "train/learning_rate": 1e-4 * (1 - i / 30_000),
          "train/epoch": i / 10_000,
          "train/global_step": i,
        },
        timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace("Z", "+00:00"),
      })),
    );
    db.close();
    const pagesWith = async (policy: string) => {
      const server = startTrackioServer({ dir: long });
      try {
        const run = await runCli(["analyze", "-p", "long", "-r", "r", "--json", "--space", server.url], {
          env: { TRACKIO_CLI_COMPRESSION: policy },
        });
        assert.equal(run.code, 0, run.stderr);
        return { queries: server.stats.byPath.get("/api/query_project") ?? 0, stdout: run.stdout };
      } finally {
        await server.close();
      }
    };
    const gzip = await pagesWith("gzip"), plain = await pagesWith("none");
    assert.equal(plain.stdout, gzip.stdout);
    // Three more pages at least, each one request.
    assert.ok(plain.queries >= gzip.queries + 2, `plain ${plain.queries}, gzip ${gzip.queries} queries`);
  } finally {
    Deno.removeSync(long, { recursive: true });
  }
});
