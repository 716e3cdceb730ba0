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

/** What any JSON value may be: a metric value as stored (number, string, boolean, null, object, array). */
const isAnyJson = (s: JsonSchema) =>
  Array.isArray(s.anyOf) && s.anyOf.length === 6 &&
  ["number", "string", "boolean", "null", "object", "array"].every((t) =>
    (s.anyOf as JsonSchema[]).some((x) => x.type === t)
  );

/**
 * An output schema as lean as it can be while it still says the shape an agent gets: every object's
 * properties, required fields, types and enums stay; what only a validator needs goes (forbidding extra
 * properties, the key type of a record, descriptions: the tool's description says what it returns),
 * and "any JSON value" is `{}`. The tools/list answer is read in every conversation turn.
 */
function lean(schema: JsonSchema): JsonSchema {
  if (isAnyJson(schema)) return {};
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "description" || key === "propertyNames" || key === "minLength") continue;
    if (
      key === "additionalProperties" &&
      (value === false || (typeof value === "object" && !Object.keys(value as object).length))
    ) {
      continue;
    }
    if (key === "properties") {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, lean(v)]),
      );
    } else if (Array.isArray(value)) {
      out[key] = value.map((v) => (v && typeof v === "object" ? lean(v as JsonSchema) : v));
    } else if (value && typeof value === "object") out[key] = lean(value as JsonSchema);
    else out[key] = value;
  }
  return out;
}

/**
 * MCP wants an object as structured content; tools answer arrays too. So every result travels as
 * `{result, notices}`, where `result` is exactly what the CLI prints with --json and `notices` what to
 * know about it (downsampling, truncation).
 */
export function mcpOutputSchema(tool: ToolDef): JsonSchema {
  return {
    type: "object",
    properties: {
      result: lean(tidy(z.toJSONSchema(tool.output, { io: "output" }) as JsonSchema)),
      notices: { type: "array", items: { type: "string" } },
    },
    required: ["result", "notices"],
  };
}
