/**
 * The MCP server, driven by the SDK's client over stdio and HTTP, answers every recorded Trackio
 * call on the fixtures: structured content valid against each tool's outputSchema, equal to the
 * CLI's --json, and equal to Trackio's own result wherever MCP's size defaults did not apply.
 */
import assert from "node:assert/strict";
import { spellFields } from "../src/errors.ts";
import type { CallToolResult, Prompt, Tool } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv-provider.js";
import { toJson } from "../src/json.ts";
import { toolListing, withMcpDefaults } from "../src/mcp/server.ts";
import { findTool, TOOLS } from "../src/tools/index.ts";
import { invokeTool } from "../src/tools/invoke.ts";
import { localContext } from "../src/tools/registry.ts";
import { cliArgv, runCli } from "./helpers/cli.ts";
import { expectedCalls, expectedProjects, fixtureDir, isUnknownLookup } from "./helpers/fixture_dir.ts";
import { session, type TransportKind } from "./helpers/mcp.ts";
import type { Generation } from "./helpers/trackio_db.ts";

const validator = new AjvJsonSchemaValidator();
const outputValidators = new Map(
  TOOLS.map((t) => [t.name, validator.getValidator(toolListing(t).outputSchema as never)]),
);
const asJson = (value: unknown) => JSON.parse(toJson(value));

const CASES: [Generation, TransportKind][] = [
  ["v0.5", "stdio"],
  ["pre-runid", "http"],
  ["head", "stdio"],
  ["head", "http"],
];

for (const [generation, kind] of CASES) {
  Deno.test(`MCP over ${kind}: every recorded call on ${generation} fixtures`, async () => {
    const dir = fixtureDir(generation);
    const ctx = localContext({ path: dir, source: "--dir" });
    const { client, close } = await session(kind, ["--dir", dir]);
    let sameAsTrackio = 0;
    try {
      const listed = await client.listTools();
      assert.deepStrictEqual(listed.tools.map((t: Tool) => t.name), TOOLS.map((t) => t.name));
      const { prompts } = await client.listPrompts();
      assert.deepStrictEqual(prompts.map((p: Prompt) => p.name), ["check_training_run", "compare_runs"]);
      for (const project of expectedProjects(generation)) {
        for (const [name, calls] of Object.entries(expectedCalls(generation, project))) {
          const tool = findTool(name)!;
          for (const call of calls) {
            const label = `${generation}/${project}: ${name}(${JSON.stringify(call.args)})`;
            const answer = await client.callTool({ name, arguments: call.args }) as CallToolResult;
            if (isUnknownLookup(call.args)) {
              assert.equal(answer.isError, true, label);
              assert.match(
                (answer.content[0] as { text: string }).text,
                /^error \(not_found\): .* not found/,
                label,
              );
              continue;
            }
            assert.ok(!answer.isError, `${label}: ${JSON.stringify(answer.content)}`);
            const check = outputValidators.get(name)!(answer.structuredContent);
            assert.ok(check.valid, `${label}: ${check.errorMessage}`);
            const structured = answer.structuredContent as { result: unknown; notices: string[] };
            const local = await invokeTool(tool, withMcpDefaults(tool, call.args), ctx);
            assert.deepStrictEqual(structured.result, asJson(local.result), label);
            // MCP spells the fields that notices name as the tool's arguments.
            assert.deepStrictEqual(
              structured.notices,
              local.notices.map((n) => spellFields(n, (f) => f)),
              label,
            );
            assert.equal(answer.content[0].type, "text");
            if (structured.notices.length === 0) {
              assert.deepStrictEqual(structured.result, call.result, `${label} (Trackio's result)`);
              sameAsTrackio++;
            }
          }
        }
      }
    } finally {
      await close();
      Deno.removeSync(dir, { recursive: true });
    }
    assert.ok(sameAsTrackio > 250, `${sameAsTrackio} calls equal to Trackio's own result`);
  });
}

/** Arguments for the tools Trackio has no recorded call of (the others take project and run). */
const EXAMPLE_ARGS: Record<string, Record<string, unknown>> = {
  query: { project: "sft-qwen", sql: "SELECT COUNT(*) AS n FROM metrics" },
  doctor: {},
  explain_rule: { rule: "loss.overfitting" },
  compare_runs: { project: "sft-qwen" },
};

Deno.test("MCP results equal the CLI's --json for one call of each tool", async () => {
  const dir = fixtureDir("head");
  const { client, close } = await session("stdio", ["--dir", dir]);
  try {
    const calls = expectedCalls("head", "sft-qwen");
    for (const tool of TOOLS) {
      const recorded = calls[tool.name]?.find((c) => !isUnknownLookup(c.args));
      const args = recorded?.args ?? EXAMPLE_ARGS[tool.name] ?? { project: "sft-qwen", run: "baseline-v1" };
      const mcpArgs = withMcpDefaults(tool, args);
      const answer = await client.callTool({ name: tool.name, arguments: mcpArgs }) as CallToolResult;
      assert.ok(!answer.isError, `${tool.name}: ${JSON.stringify(answer.content)}`);
      const out = await runCli(cliArgv(tool, mcpArgs, dir));
      assert.equal(out.code, 0, `${tool.name}: ${out.stderr}`);
      assert.deepStrictEqual(
        (answer.structuredContent as { result: unknown }).result,
        JSON.parse(out.stdout),
        tool.name,
      );
    }
  } finally {
    await close();
    Deno.removeSync(dir, { recursive: true });
  }
});

/** Our own tools have no Trackio recording to replay: each answer is held to its outputSchema. */
Deno.test("MCP: analyze_run, compare_runs, query, doctor and explain_rule answer as their outputSchema says", async () => {
  const dir = fixtureDir("head");
  const { client, close } = await session("stdio", ["--dir", dir]);
  try {
    const calls: [string, Record<string, unknown>][] = [
      ["analyze_run", { project: "sft-qwen", run: "lr-high" }],
      ["analyze_run", { project: "sft-qwen", all: true }],
      ["compare_runs", { project: "sft-qwen" }],
      ["query", {
        project: "sft-qwen",
        sql: "SELECT run_name, COUNT(*) AS n FROM metrics GROUP BY run_name",
      }],
      ["doctor", {}],
      ["explain_rule", { rule: "loss.overfitting" }],
      ["explain_rule", {}],
    ];
    for (const [name, args] of calls) {
      const answer = await client.callTool({ name, arguments: args }) as CallToolResult;
      assert.ok(!answer.isError, `${name}: ${JSON.stringify(answer.content)}`);
      const check = outputValidators.get(name)!(answer.structuredContent);
      assert.ok(check.valid, `${name}(${JSON.stringify(args)}): ${check.errorMessage}`);
    }
  } finally {
    await close();
    Deno.removeSync(dir, { recursive: true });
  }
});
