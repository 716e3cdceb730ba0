import type { z } from "zod";
import { usageError } from "../errors.ts";
import { didYouMean } from "../util/closest.ts";
import type { ToolContext, ToolDef, ToolOutput } from "./registry.ts";

/**
 * Validates raw arguments against a tool's schema and runs it. `spell` names a field the way the
 * caller's face does (`--metric` on the CLI, `metric_name` over MCP), for error messages.
 */
export async function invokeTool<R>(
  tool: ToolDef<z.ZodObject, R>,
  raw: Record<string, unknown>,
  ctx: ToolContext,
  spell: (field: string) => string = (f) => f,
): Promise<ToolOutput<R>> {
  return await runTool(tool, parseToolArgs(tool, raw, spell), ctx);
}

/** Runs a tool on parsed arguments; what its sources said (rows skipped...) joins its notices. */
export async function runTool<S extends z.ZodObject, R>(
  tool: ToolDef<S, R>,
  args: z.infer<S>,
  ctx: ToolContext,
): Promise<ToolOutput<R>> {
  const { result, notices } = await hearing(ctx, (heard) => tool.handler(args, heard));
  return { result, notices };
}

/**
 * Runs `read` on a context that records what its sources said (rows skipped...), and puts that first
 * among the answer's notices: for tools, and for a front end calling a tool's function directly.
 */
export async function hearing<T extends { notices: string[] }>(
  ctx: ToolContext,
  read: (ctx: ToolContext) => T | Promise<T>,
): Promise<T> {
  const heard: string[] = [];
  const out = await read({ ...ctx, heard });
  return { ...out, notices: joinNotices(heard, out.notices) };
}

/** A tool's JSON fast path (see `ToolDef.jsonText`) with the notices of its read. */
export async function runJsonText<S extends z.ZodObject, R>(
  tool: ToolDef<S, R>,
  args: z.infer<S>,
  ctx: ToolContext,
): Promise<ToolOutput<string> | undefined> {
  const heard: string[] = [];
  const text = await tool.jsonText?.(args, { ...ctx, heard });
  return text === undefined ? undefined : { result: text, notices: heard };
}

const joinNotices = (heard: string[], own: string[]) => [...heard.filter((n) => !own.includes(n)), ...own];

/** Raw arguments checked against the tool's schema, with MCP aliases folded into their fields. */
export function parseToolArgs<S extends z.ZodObject>(
  tool: ToolDef<S, unknown>,
  raw: Record<string, unknown>,
  spell: (field: string) => string = (f) => f,
): z.infer<S> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value === null) continue;
    const target = tool.inputAliases?.[key] ?? key;
    if (target !== key && raw[target] !== undefined && raw[target] !== null) continue;
    args[target] = value;
  }
  const parsed = tool.input.strict().safeParse(args);
  if (!parsed.success) {
    const fields = [...Object.keys(tool.input.shape), ...Object.keys(tool.inputAliases ?? {})];
    throw usageError(describeIssues(parsed.error, spell, fields));
  }
  return parsed.data as z.infer<S>;
}

/**
 * What an agent may have meant by an argument the tool does not take: the closest real names, and
 * the usual synonyms of other APIs (`limit` for a cap, `metric` for analyze's train/eval metric).
 */
const SYNONYMS: Record<string, string[]> = {
  limit: ["max_points", "max_rows"],
  max: ["max_points", "max_rows"],
  n: ["max_points", "max_rows"],
  metric: ["train_metric", "eval_metric", "metric"],
  metric_name: ["metric", "train_metric"],
  name: ["run", "project"],
  run_name: ["run"],
  project_name: ["project"],
  since: ["since_step", "since"],
  sql_query: ["sql"],
};

function suggest(key: string, fields: string[], spell: (field: string) => string): string {
  const known = (SYNONYMS[key] ?? []).filter((f) => fields.includes(f) && f !== key);
  const near = didYouMean(key, fields);
  if (known.length) return ` (did you mean ${known.map((f) => `'${spell(f)}'`).join(" or ")}?)`;
  return near ? ` ${near.trim()}` : "";
}

/** One line for all of zod's complaints, naming fields as the user typed them. */
export function describeIssues(
  error: z.ZodError,
  spell: (field: string) => string,
  fields: string[] = [],
): string {
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return `unknown argument(s): ${
        issue.keys.map((k) => `${spell(k)}${suggest(k, fields, spell)}`).join(", ")
      }`;
    }
    const field = issue.path.length ? spell(String(issue.path[0])) : "arguments";
    if (issue.code === "invalid_type" && issue.input === undefined) return `missing ${field}`;
    return `${field}: ${issue.message}`;
  }).join("; ");
}
