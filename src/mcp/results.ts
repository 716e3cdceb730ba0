import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { spellFields, TrackioCliError } from "../errors.ts";
import { toJson } from "../json.ts";
import type { ToolDef, ToolOutput } from "../tools/registry.ts";

/**
 * Claude Code refuses a tool result over 25,000 tokens, and a result that size leaves an agent
 * little room to think. Dense numeric JSON and tables run at about 3 characters per token, so this
 * budget (text and structured content together) keeps a result near 16,000 tokens at worst.
 */
export const RESULT_CHAR_BUDGET = 48_000;
const CHARS_PER_TOKEN = 3;

const approxTokens = (chars: number) => Math.ceil(chars / CHARS_PER_TOKEN);

/**
 * A tool's answer as MCP content: `structuredContent` is `{result, notices}` with NaN and infinities
 * as Trackio's strings (plain JSON would turn them into null), and the text block carries the same
 * data rendered compactly, for clients that read only text.
 */
export function toolResult(tool: ToolDef, out: ToolOutput<unknown>): CallToolResult {
  const notices = out.notices.map((n) => spellFields(n, (field) => field));
  const structuredJson = toJson({ result: out.result, notices });
  const rendered = tool.render ? tool.render(out.result) : toJson(out.result);
  const text = [...notices.map((n) => `note: ${n}`), rendered].join("\n");
  const size = structuredJson.length + text.length;
  if (size > RESULT_CHAR_BUDGET) {
    return errorResult(
      new TrackioCliError(
        "usage",
        `result too large for an agent's context (about ${approxTokens(size)} tokens, budget ${
          approxTokens(RESULT_CHAR_BUDGET)
        })`,
        tool.mcp?.narrow ?? "ask for less: narrow the selection",
      ),
    );
  }
  return { content: [{ type: "text", text }], structuredContent: JSON.parse(structuredJson) };
}

/** A failed call as a tool result the agent can read and act on (MCP's `isError`). */
export function errorResult(error: TrackioCliError): CallToolResult {
  const same = (field: string) => field;
  const hint = error.hint ? `\nhint: ${spellFields(error.hint, same)}` : "";
  const next = error.next
    ? `\nnext: ${error.next.shows}: call ${error.next.tool} ${toJson(error.next.args)}`
    : "";
  return {
    content: [{
      type: "text",
      text: `error (${error.code}): ${spellFields(error.message, same)}${hint}${next}`,
    }],
    isError: true,
  };
}
