/**
 * The remote source gives the local source's answers: every call Trackio's read functions answered for
 * the fixture databases, replayed through a Trackio HTTP API double (itself pinned to recordings of
 * Trackio 0.36's server) over real HTTP on loopback, equals the local result and Trackio's.
 */
import assert from "node:assert/strict";
import { TrackioCliError } from "../src/errors.ts";
import { toJson } from "../src/json.ts";
import { findTool } from "../src/tools/index.ts";
import { invokeTool, parseToolArgs } from "../src/tools/invoke.ts";
import { localContext, type ToolContext } from "../src/tools/registry.ts";
import { expectedCalls, expectedProjects, fixtureDir, isUnknownLookup } from "./helpers/fixture_dir.ts";
import { serveDir } from "./helpers/remote.ts";
import { snapshotDir } from "./helpers/cli.ts";
import type { Generation } from "./helpers/trackio_db.ts";

const GENERATIONS: Generation[] = ["v0.5", "pre-runid", "head"];
const asJson = (value: unknown) => JSON.parse(toJson(value));

/** A call's result and notices, or its error with the place (directory or URL) left out. */
async function outcome(ctx: ToolContext, tool: string, args: Record<string, unknown>) {
  try {
    const out = await invokeTool(findTool(tool)!, args, ctx);
    return { result: asJson(out.result), notices: out.notices };
  } catch (error) {
    if (!(error instanceof TrackioCliError)) throw error;
    return {
      error: error.code,
      message: error.message.replace(ctx.source.place, "<place>"),
      next: error.next,
    };
  }
}

for (const generation of GENERATIONS) {
  Deno.test(`remote: every recorded Trackio call on ${generation} gives the local and Trackio's result`, async () => {
    const dir = fixtureDir(generation);
    const before = snapshotDir(dir);
    const { server, ctx } = serveDir(dir);
    const local = localContext({ path: dir, source: "--dir" });
    let compared = 0;
    try {
      for (const project of expectedProjects(generation)) {
        for (const [tool, calls] of Object.entries(expectedCalls(generation, project))) {
          for (const call of calls) {
            const label = `${generation}/${project}: ${tool}(${JSON.stringify(call.args)})`;
            const remote = await outcome(ctx, tool, call.args);
            const def = findTool(tool)!;
            if (def.jsonText && !isUnknownLookup(call.args)) {
              const args = parseToolArgs(def, call.args);
              const text = await def.jsonText(args, ctx);
              assert.equal(text, await def.jsonText(args, local), `${label} (JSON fast path)`);
            }
            assert.deepStrictEqual(remote, await outcome(local, tool, call.args), label);
            if (isUnknownLookup(call.args)) assert.equal(remote.error, "not_found", label);
            else assert.deepStrictEqual(remote.result, call.result, label);
            compared++;
          }
        }
      }
    } finally {
      await server.close();
    }
    assert.ok(compared > 300, `compared ${compared} calls`);
    assert.deepStrictEqual(snapshotDir(dir), before, "reading through the server wrote nothing");
    Deno.removeSync(dir, { recursive: true });
  });
}
