import { toJson } from "../json.ts";
import type { ToolDef } from "../tools/registry.ts";
import type { CommonOptions } from "./common_options.ts";
import type { ToolRun } from "./extensions.ts";
import { reportNotice, writeOut } from "./output.ts";

/** Prints a tool's result the way the user asked: JSON, or its human rendering. */
export function printResult(tool: ToolDef, result: unknown, json: boolean): void {
  const render = tool.render as ((r: unknown) => string) | undefined;
  if (json || !render) writeOut(`${toJson(result, json ? undefined : 2)}\n`);
  else writeOut(`${render(result)}\n`);
}

/** The default step of a command: run the tool and print its result (or its JSON fast path). */
export async function runAndPrint({ tool, args, options, ctx }: ToolRun): Promise<number> {
  const json = (options as CommonOptions).json === true;
  const fast = json ? tool.jsonText?.(args, ctx) : undefined;
  if (fast !== undefined) {
    writeOut(`${fast}\n`);
    return 0;
  }
  const { result, notices } = await tool.handler(args, ctx);
  notices.forEach(reportNotice);
  printResult(tool, result, json);
  return 0;
}
