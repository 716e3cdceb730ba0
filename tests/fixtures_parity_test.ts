/**
 * Every tool call Trackio's own read functions answered for the fixture databases, replayed
 * through trackio-cli: same results (NaN and infinities as Trackio's strings), except that
 * unknown projects, runs and metrics are not-found errors.
 */
import assert from "node:assert/strict";
import { TrackioCliError } from "../src/errors.ts";
import { toJson } from "../src/json.ts";
import { findTool } from "../src/tools/index.ts";
import { invokeTool, parseToolArgs } from "../src/tools/invoke.ts";
import { localContext } from "../src/tools/registry.ts";
import { expectedCalls, expectedProjects, fixtureDir, isUnknownLookup } from "./helpers/fixture_dir.ts";
import { cliArgv, runCli, snapshotDir } from "./helpers/cli.ts";
import type { Generation } from "./helpers/trackio_db.ts";

const GENERATIONS: Generation[] = ["v0.5", "pre-runid", "head"];
const asTrackioJson = (value: unknown) => JSON.parse(toJson(value));

for (const generation of GENERATIONS) {
  Deno.test(`every recorded Trackio call on ${generation} fixtures gives Trackio's result`, async () => {
    const dir = fixtureDir(generation);
    const before = snapshotDir(dir);
    const ctx = localContext({ path: dir, source: "--dir" });
    let compared = 0;
    let refused = 0;
    for (const project of expectedProjects(generation)) {
      for (const [toolName, calls] of Object.entries(expectedCalls(generation, project))) {
        const tool = findTool(toolName);
        assert.ok(tool, `tool ${toolName} exists`);
        for (const call of calls) {
          const label = `${generation}/${project}: ${toolName}(${JSON.stringify(call.args)})`;
          if (isUnknownLookup(call.args)) {
            await assert.rejects(
              () => invokeTool(tool, call.args, ctx),
              (e: unknown) => e instanceof TrackioCliError && e.code === "not_found",
              label,
            );
            refused++;
            continue;
          }
          const { result }: { result: unknown } = await invokeTool(tool, call.args, ctx);
          assert.deepStrictEqual(asTrackioJson(result), call.result, label);
          const fast: string | undefined = await tool.jsonText?.(parseToolArgs(tool, call.args), ctx);
          if (fast !== undefined) {
            assert.deepStrictEqual(JSON.parse(fast), call.result, `${label} (JSON fast path)`);
          }
          compared++;
        }
      }
    }
    assert.ok(compared > 300, `compared ${compared} calls`);
    assert.ok(refused >= 4, `refused ${refused} unknown lookups`);
    assert.deepStrictEqual(snapshotDir(dir), before, "reading wrote nothing into the data directory");
    Deno.removeSync(dir, { recursive: true });
  });

  Deno.test(`the CLI's --json equals Trackio's result for each tool on ${generation}`, async () => {
    const dir = fixtureDir(generation);
    const calls = expectedCalls(generation, "sft-qwen");
    for (const [toolName, recorded] of Object.entries(calls)) {
      const tool = findTool(toolName)!;
      const call = recorded.find((c) =>
        !isUnknownLookup(c.args) && Object.keys(c.args).length >= recorded.reduce((m, r) =>
              Math.max(m, Object.keys(r.args).length), 0) - 1
      ) ??
        recorded[0];
      const argv = cliArgv(tool, call.args, dir);
      const out = await runCli(argv);
      assert.equal(out.code, 0, `${argv.join(" ")}: ${out.stderr}`);
      assert.equal(out.stderr, "");
      assert.deepStrictEqual(JSON.parse(out.stdout), call.result, argv.join(" "));
    }
    Deno.removeSync(dir, { recursive: true });
  });
}

Deno.test("an unknown project is a not-found error on the CLI, exit 3, naming the closest", async () => {
  const dir = fixtureDir("head");
  const out = await runCli(["runs", "-p", "sft-qwn", "--dir", dir]);
  assert.equal(out.code, 3);
  assert.equal(out.stdout, "");
  assert.match(out.stderr, /^error: project 'sft-qwn' not found .*Did you mean 'sft-qwen'\?/);
  assert.equal(out.stderr.trim().split("\n").length, 1);
  Deno.removeSync(dir, { recursive: true });
});
