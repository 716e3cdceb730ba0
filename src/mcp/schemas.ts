import { z } from "zod";
import type { ToolDef } from "../tools/registry.ts";

type JsonSchema = Record<string, unknown>;

/** Drops what costs an agent tokens and tells it nothing: `$schema` and the safe-integer bounds. */
function tidy(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$schema") continue;
    if ((key === "minimum" || key === "maximum") && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) {
      continue;
    }
    if (Array.isArray(value)) {
      out[key] = value.map((v) => (v && typeof v === "object" ? tidy(v as JsonSchema) : v));
    } else if (value && typeof value === "object") out[key] = tidy(value as JsonSchema);
    else out[key] = value;
  }
  return out;
}

/**
 * The tool's input as an MCP `inputSchema`: the registry's fields, the MCP defaults stated as
 * `default`, and each alias (Trackio's own spelling) listed beside the field it stands for. A
 * required field with an alias leaves `required` (its description says it is needed) so that a
 * client validating arguments accepts either spelling.
 */
export function mcpInputSchema(tool: ToolDef): JsonSchema {
  const schema = tidy(z.toJSONSchema(tool.input, { io: "input" }) as JsonSchema);
  const properties = schema.properties as Record<string, JsonSchema>;
  for (const [field, value] of Object.entries(tool.mcp?.defaults ?? {})) {
    properties[field] = { ...properties[field], default: value };
  }
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [alias, field] of Object.entries(tool.inputAliases ?? {})) {
    properties[alias] = { ...properties[field], description: `Same as ${field} (Trackio's spelling).` };
    if (required.delete(field)) {
      properties[field].description = `${properties[field].description} Required (as ${field} or ${alias}).`;
    }
  }
  return { ...schema, required: [...required] };
}

/**
 * MCP wants an object as structured content; tools answer arrays too. So every result travels as
 * `{result, notices}`, where `result` is exactly what the CLI prints with --json.
 */
export function mcpOutputSchema(tool: ToolDef): JsonSchema {
  return {
    type: "object",
    properties: {
      result: tidy(z.toJSONSchema(tool.output, { io: "output" }) as JsonSchema),
      notices: {
        type: "array",
        items: { type: "string" },
        description: "What to know about the result: downsampling, truncation.",
      },
    },
    required: ["result", "notices"],
  };
}
