import { toJson } from "../json.ts";
import type { z } from "zod";
import type { ToolDef } from "../tools/registry.ts";
import { runJsonText, runTool } from "../tools/invoke.ts";
import { type FormatFlags, formatFrom, formatResult } from "./formats.ts";
import type { ToolRun } from "./command_extension.ts";
import { reportNotice, writeOut } from "./output.ts";

/** Prints a tool's result the way the user asked: JSON, or its human rendering. */
export function printResult<S extends z.ZodObject, R>(tool: ToolDef<S, R>, result: R, json: boolean): void {
  if (json || !tool.render) writeOut(`${toJson(result, json ? undefined : 2)}\n`);
  else writeOut(`${tool.render(result)}\n`);
}

/**
 * The default step of a command: run the tool and print its result in the format asked for (the
 * JSON fast path for plain --json), else its human rendering.
 */
export async function runAndPrint<S extends z.ZodObject, R>(
  { tool, args, options: flags, ctx }: ToolRun<S, R, FormatFlags>,
): Promise<number> {
  const format = formatFrom(flags);
  const fast = format === "json" && flags.fields === undefined
    ? await runJsonText(tool, args, ctx)
    : undefined;
  if (fast !== undefined) {
    fast.notices.forEach(reportNotice);
    writeOut(`${fast.result}\n`);
    return 0;
  }
  const { result, notices } = await runTool(tool, args, ctx);
  notices.forEach(reportNotice);
  if (format) writeOut(formatResult(tool, result, format, flags.fields));
  else if (flags.fields !== undefined) writeOut(formatResult(tool, result, "table", flags.fields));
  else printResult(tool, result, false);
  return 0;
}
