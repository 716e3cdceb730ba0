import type { Option } from "@commander-js/extra-typings";
import type { z } from "zod";
import type { ToolContext, ToolDef } from "../tools/registry.ts";

/** A command's call: the tool, its validated arguments, every parsed option, where the data is. */
export interface ToolRun<S extends z.ZodObject = z.ZodObject, R = unknown, O = Record<string, unknown>> {
  tool: ToolDef<S, R>;
  args: z.infer<S>;
  options: O;
  ctx: ToolContext;
}

/** The call of one tool's command, typed by the tool's definition and the options its command parses. */
// deno-lint-ignore no-explicit-any
export type ToolRunOf<T extends ToolDef<any, any>, O = Record<string, unknown>> = T extends
  ToolDef<infer S, infer R> ? ToolRun<S, R, O> : never;

/**
 * What a command adds to its tool on the command line only: flags that are about the terminal or CI
 * (formats, exit-code gates, watching) rather than about the data, and the step that uses them in
 * place of "run and print". Returns the exit code.
 */
export interface CommandExtension<S extends z.ZodObject, R, O> {
  tool: ToolDef<S, R>;
  options: Option[];
  run(call: ToolRun<S, R, O>): Promise<number>;
}

/** An extension as the program holds it, beside every other tool's. */
export interface BoundExtension {
  options: Option[];
  // deno-lint-ignore no-explicit-any
  run(call: ToolRun<any, any>): Promise<number>;
}

export function defineExtension<S extends z.ZodObject, R, O>(
  extension: CommandExtension<S, R, O>,
): CommandExtension<S, R, O> {
  return extension;
}
