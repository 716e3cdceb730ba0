import { findTool } from "../../src/tools/index.ts";
import { invokeTool } from "../../src/tools/invoke.ts";
import { localContext, type ToolOutput } from "../../src/tools/registry.ts";
import { toJson } from "../../src/json.ts";

/** Calls a tool in-process on a data directory and returns its result as Trackio-style JSON. */
export async function call(
  dir: string,
  tool: string,
  args: Record<string, unknown>,
): Promise<ToolOutput<unknown>> {
  const def = findTool(tool);
  if (!def) throw new Error(`no tool ${tool}`);
  const out = await invokeTool(def, args, localContext({ path: dir, source: "--dir" }));
  return { result: JSON.parse(toJson(out.result)), notices: out.notices };
}

export async function result(dir: string, tool: string, args: Record<string, unknown>): Promise<unknown> {
  return (await call(dir, tool, args)).result;
}
