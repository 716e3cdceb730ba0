import type { RunCache } from "./run_cache.ts";
import type { z } from "zod";
import { LocalSource } from "../store/local_source.ts";
import type { DataDir } from "../store/paths.ts";
import type { Source } from "../store/source.ts";

/** What every tool handler gets: where the data is. */
export interface ToolContext {
  source: Source;
  /** What the sources said while this call read them; `runTool` adds it to the call's notices. */
  heard?: string[];
  /** In a long-lived process: what was derived from each run, so a repeat question reads only new rows. */
  cache?: RunCache;
}

/** A context reading a local data directory. */
export const localContext = (dataDir: DataDir): ToolContext => ({ source: new LocalSource(dataDir) });

/**
 * A tool's answer: `result` is exactly what Trackio's tool of that name returns (or ours, for our
 * own tools); `notices` say what a reader must know about it (downsampling, truncation), printed on
 * stderr by the CLI and carried beside the result over MCP.
 */
export interface ToolOutput<R> {
  result: R;
  notices: string[];
}

/** How a tool appears on the command line; its flags come from the input schema's field names. */
export interface CliSpec {
  command: string;
  aliases: string[];
  examples: string[];
  /** An input field given as the command's positional argument (`trackio-cli explain RULE`). */
  positional?: string;
  /** What the command does when a flag is left out, for its help (MCP states its own defaults). */
  defaults?: Record<string, string>;
}

/** How a tool behaves for an agent over MCP, where its whole result lands in a context window. */
export interface McpSpec {
  /** Arguments applied when the agent leaves them out, so a result stays small by default. */
  defaults?: Record<string, unknown>;
  /** What to pass to get a smaller result, said when a result is over the size budget. */
  narrow?: string;
}

/**
 * How a tool behaves, for MCP clients deciding what to allow without asking: every tool only reads;
 * one that reads the data source reaches an outside system when that source is a Trackio server.
 */
export interface ToolBehaviour {
  readOnly: true;
  readsSource: boolean;
}

/**
 * One definition per tool. The CLI and the MCP server are both generated from these, so their
 * names, arguments and results cannot drift apart.
 */
export interface ToolDef<S extends z.ZodObject = z.ZodObject, R = unknown> {
  /** Trackio's tool name (snake_case), also the MCP tool name. */
  name: string;
  title: string;
  behaviour: ToolBehaviour;
  /** For an agent: when to use the tool and what it returns. */
  description: string;
  input: S;
  output: z.ZodType<R>;
  /** Other spellings an MCP client may use for an input field: `{ metric: "metric_name" }`. */
  inputAliases?: Record<string, keyof z.infer<S> & string>;
  cli: CliSpec;
  mcp?: McpSpec;
  /**
   * A compact rendering of `result` for people and for MCP clients that read only text; without
   * it, JSON is shown.
   */
  render?(result: R): string;
  /**
   * The result as records, one per row, for --format csv|tsv|ndjson|table|markdown. A result that is a
   * list of objects needs none; a tool whose result is no list leaves it out.
   */
  rows?(result: R): Record<string, unknown>[];
  handler: (args: z.infer<S>, ctx: ToolContext) => ToolOutput<R> | Promise<ToolOutput<R>>;
  /**
   * Optional fast path for large results: the exact JSON text `handler`'s result serializes to,
   * built without materializing it (undefined when it does not apply to these arguments). The
   * CLI's --json uses it; tests hold it equal to `handler`.
   */
  jsonText?: (args: z.infer<S>, ctx: ToolContext) => Promise<string | undefined>;
}

/** Identity with inference, so each tool file states its types once. */
export function defineTool<S extends z.ZodObject, R>(def: ToolDef<S, R>): ToolDef<S, R> {
  return def;
}

export function output<R>(result: R, notices: string[] = []): ToolOutput<R> {
  return { result, notices };
}
