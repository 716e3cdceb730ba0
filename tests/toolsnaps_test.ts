/**
 * The MCP surface, pinned: each tool as tools/list announces it (name, title, description, schemas,
 * annotations) is held equal to its snapshot in `tests/toolsnaps/`, and the whole answer to a budget.
 * A change to the surface is made on purpose: `UPDATE_TOOLSNAPS=1 deno test -A tests/toolsnaps_test.ts`
 * rewrites the snapshots, and the diff shows what an agent will see.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { fixtureDir } from "./helpers/fixture_dir.ts";
import { stdioSession } from "./helpers/mcp.ts";
import { z } from "zod";
import { mcpOutputSchema } from "../src/mcp/schemas.ts";
import { TOOLS } from "../src/tools/index.ts";

const SNAPS = join(import.meta.dirname!, "toolsnaps");
/** tools/list sits in an agent's context in every turn; Trackio's own (without output schemas) is 9 KB. */
const LIST_BUDGET_BYTES = 12_000;
const update = Deno.env.get("UPDATE_TOOLSNAPS") === "1";

const snapText = (tool: Tool) => JSON.stringify(tool, null, 2) + "\n";

async function listTools(): Promise<{ tools: Tool[]; bytes: number }> {
  const { client, close } = await stdioSession(["--dir", fixtureDir("head")]);
  try {
    const answer = await client.listTools();
    return { tools: answer.tools as Tool[], bytes: new TextEncoder().encode(JSON.stringify(answer)).length };
  } finally {
    await close();
  }
}

Deno.test("tools/list matches the snapshots in tests/toolsnaps/ and stays within its budget", async () => {
  const { tools, bytes } = await listTools();
  if (update) {
    for (const entry of Deno.readDirSync(SNAPS)) Deno.removeSync(join(SNAPS, entry.name));
    for (const tool of tools) Deno.writeTextFileSync(join(SNAPS, `${tool.name}.json`), snapText(tool));
  }
  const snapped = [...Deno.readDirSync(SNAPS)].map((e) => e.name.replace(/\.json$/, "")).sort();
  assert.deepStrictEqual(
    tools.map((t) => t.name).sort(),
    snapped,
    "the tools differ from the snapshots: rerun with UPDATE_TOOLSNAPS=1 if that is intended",
  );
  for (const tool of tools) {
    assert.equal(
      snapText(tool),
      Deno.readTextFileSync(join(SNAPS, `${tool.name}.json`)),
      `${tool.name} differs from its snapshot: rerun with UPDATE_TOOLSNAPS=1 if that is intended`,
    );
  }
  assert.ok(
    bytes <= LIST_BUDGET_BYTES,
    `tools/list is ${bytes} bytes, over its ${LIST_BUDGET_BYTES}-byte budget`,
  );
});

Deno.test("every tool keeps an input and an output schema, and no field repeats the server's shared words", async () => {
  const { tools } = await listTools();
  for (const tool of tools) {
    assert.equal(tool.inputSchema.type, "object", tool.name);
    assert.equal(tool.outputSchema?.type, "object", tool.name);
    assert.ok((tool.outputSchema?.properties as Record<string, unknown>).result, tool.name);
    const props = tool.inputSchema.properties as Record<string, { description?: string }>;
    for (const shared of ["project", "run", "run_id", "step", "around_step", "at_time", "window"]) {
      if (shared === "project" && tool.name === "compare_runs") continue; // optional there: it says when
      assert.equal(props[shared]?.description, undefined, `${tool.name}.${shared}`);
    }
  }
});

Deno.test("a nullable enum in an output schema still allows null once its two branches merge", () => {
  const tool = { ...TOOLS[0], output: z.object({ verdict: z.enum(["ok", "bad"]).nullable() }) };
  const result = mcpOutputSchema(tool).properties as Record<string, { properties: Record<string, unknown> }>;
  assert.deepStrictEqual(result.result.properties.verdict, {
    type: ["string", "null"],
    enum: ["ok", "bad", null],
  });
});
