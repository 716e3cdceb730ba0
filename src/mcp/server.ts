import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  type CompleteRequest,
  CompleteRequestSchema,
  ErrorCode,
  type GetPromptRequest,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { asCliError, spellFields, TrackioCliError } from "../errors.ts";
import { withProject } from "../tools/context.ts";
import { MCP_DEFAULT_POINTS } from "../tools/get_metric_values.ts";
import { findTool, TOOLS } from "../tools/index.ts";
import { invokeTool } from "../tools/invoke.ts";
import type { ToolContext, ToolDef } from "../tools/registry.ts";
import { didYouMean } from "../util/closest.ts";
import { VERSION } from "../version.ts";
import { getPrompt, listPrompts } from "./prompts.ts";
import { errorResult, toolResult } from "./results.ts";
import { mcpInputSchema, mcpOutputSchema, RESULT_ENVELOPE, SHARED_ARGUMENTS } from "./schemas.ts";

/** What an agent reads once when it connects: the workflow in a few lines. */
export const INSTRUCTIONS = [
  "trackio-cli reads Trackio training runs (read-only, also while a job is writing), from local files or " +
  "from a Trackio Space or server: the same tools and results either way (doctor says which).",
  "Workflow: get_all_projects -> get_runs_for_project (oldest first; the last run is the newest) -> " +
  "analyze_run (verdict, progress, key metrics, findings with evidence steps, recommendation) -> " +
  "get_metric_values to look closer at what a finding names; explain_rule says what a finding means.",
  `get_metric_values returns ${MCP_DEFAULT_POINTS} points by default, downsampled so spikes, minima and NaN ` +
  "survive; pass max_points for more, around_step + window to zoom in, since_step to poll a live run.",
  'NaN and infinities come as the strings "NaN", "Infinity". Unknown names are errors that suggest the closest.',
  "compare_runs ranks the runs of a sweep and names the best one. The prompts check_training_run and " +
  "compare_runs walk through checking a run and comparing a sweep.",
  SHARED_ARGUMENTS,
  RESULT_ENVELOPE,
].join("\n");

/**
 * The tool's behaviour as MCP annotations; destructive and idempotent hints mean something only for a
 * tool that writes, so they are left out. Reading a Trackio server is reaching an open world.
 */
const annotations = (tool: ToolDef, remote: boolean) => ({
  readOnlyHint: tool.behaviour.readOnly,
  openWorldHint: tool.behaviour.readsSource && remote,
});

/** How tools/list shows a tool, for a server reading a local directory or (`remote`) a Trackio server. */
export function toolListing(tool: ToolDef, remote = false): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: mcpInputSchema(tool) as Tool["inputSchema"],
    outputSchema: mcpOutputSchema(tool) as Tool["outputSchema"],
    // The title is given once, above; the annotations say only how the tool behaves.
    annotations: annotations(tool, remote),
  };
}

const cachedListings = new Map<boolean, Tool[]>();
/** The tools/list answer, built once per process and kind of source (HTTP builds a server per request). */
function listing(remote: boolean): Tool[] {
  let tools = cachedListings.get(remote);
  if (!tools) cachedListings.set(remote, tools = TOOLS.map((tool) => toolListing(tool, remote)));
  return tools;
}

/** The agent's arguments over the tool's MCP defaults; a null is "not given", as everywhere else. */
export function withMcpDefaults(tool: ToolDef, args: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...tool.mcp?.defaults };
  for (const [key, value] of Object.entries(args)) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged;
}

/** Runs one tool call; a failure the agent can act on comes back as an `isError` result. */
export async function callTool(
  tool: ToolDef,
  args: Record<string, unknown>,
  ctx: ToolContext,
  log: (line: string) => void,
): Promise<CallToolResult> {
  try {
    return toolResult(tool, await invokeTool(tool, withMcpDefaults(tool, args), ctx));
  } catch (error) {
    if (!(error instanceof TrackioCliError)) log(`${tool.name} failed: ${(error as Error)?.stack ?? error}`);
    return errorResult(asCliError(error));
  }
}

/** Project and run names for prompt arguments, so a client can offer them as the user types. */
async function complete(
  ctx: ToolContext,
  argument: string,
  value: string,
  context: Record<string, string>,
): Promise<string[]> {
  let names: string[] = [];
  if (argument === "project") names = await ctx.source.projects();
  else if (argument === "run" && context.project && await ctx.source.hasProject(context.project)) {
    names = await withProject(
      ctx,
      context.project,
      async (store) => [...new Set((await store.runs()).map((r) => r.name))],
    );
  }
  return names.filter((n) => n.startsWith(value)).slice(0, 100);
}

/** An MCP server over the tool registry and the prompts; connect it to any transport. */
export function createServer(ctx: ToolContext, log: (line: string) => void): Server {
  const server = new Server(
    { name: "trackio-cli", title: "Trackio (trackio-cli)", version: VERSION },
    {
      capabilities: {
        tools: { listChanged: false },
        prompts: { listChanged: false },
        completions: {},
        logging: {},
      },
      instructions: INSTRUCTIONS,
    },
  );
  // Unexpected failures go to stderr (the client's log file) and, as MCP log messages, to the client.
  const report = (line: string) => {
    log(line);
    server.sendLoggingMessage({ level: "error", logger: "trackio-cli", data: line }).catch(() => {});
  };
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listing(ctx.source.kind === "remote") }));
  server.setRequestHandler(CallToolRequestSchema, (request: CallToolRequest) => {
    const { name, arguments: args = {} } = request.params;
    const tool = findTool(name);
    if (!tool) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `unknown tool '${name}'.${didYouMean(name, TOOLS.map((t) => t.name))}`,
      );
    }
    return callTool(tool, args, ctx, report);
  });
  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: listPrompts() }));
  server.setRequestHandler(GetPromptRequestSchema, async (request: GetPromptRequest) => {
    try {
      return await getPrompt(request.params.name, request.params.arguments, ctx.source);
    } catch (error) {
      const e = asCliError(error);
      throw new McpError(ErrorCode.InvalidParams, spellFields(e.message, (f) => f));
    }
  });
  server.setRequestHandler(CompleteRequestSchema, async (request: CompleteRequest) => {
    const { ref, argument, context } = request.params;
    let values: string[] = [];
    if (ref.type === "ref/prompt") {
      try {
        values = await complete(ctx, argument.name, argument.value, context?.arguments ?? {});
      } catch {
        // Completion is a convenience: an unreadable project just offers nothing.
      }
    }
    return { completion: { values, hasMore: false } };
  });
  return server;
}
