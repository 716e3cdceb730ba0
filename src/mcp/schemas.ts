import { z } from "zod";
import * as p from "../tools/params.ts";
import type { ToolDef } from "../tools/registry.ts";

type JsonSchema = Record<string, unknown>;

/**
 * The arguments several tools share, whose meaning the server's instructions say once
 * (`SHARED_ARGUMENTS`): in each tool's schema they carry no description.
 */
export const SHARED: Record<string, string | undefined> = {
  project: p.project.description,
  run: p.run.description,
  run_id: p.runId.description,
  step: p.step.description,
  around_step: p.aroundStep.description,
  at_time: p.atTime.description,
  window: p.window.description,
};

/** The shared arguments in words, for the server's instructions. */
export const SHARED_ARGUMENTS = "Arguments: project is a name from get_all_projects; run a run's name " +
  "(the newest run of that name when several share it) or id; run_id an exact id. Filters: step (exactly " +
  "that step), around_step (+-window steps, default 10), at_time (+-window seconds, default 60; ISO-8601, " +
  "a time ago like 2h, or Unix seconds).";

/**
 * Drops what costs an agent tokens and tells it nothing: `$schema`, the safe-integer bounds and
 * `minLength: 1` (the tool says so itself when a name is empty).
 */
function tidy(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$schema" || (key === "minLength" && value === 1)) continue;
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
  for (const [field, property] of Object.entries(properties)) {
    if (SHARED[field] && property.description === SHARED[field]) delete property.description;
  }
  for (const [field, value] of Object.entries(tool.mcp?.defaults ?? {})) {
    properties[field] = { ...properties[field], default: value };
  }
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [alias, field] of Object.entries(tool.inputAliases ?? {})) {
    properties[alias] = { type: properties[field].type, description: `Alias of ${field}.` };
    if (required.delete(field)) {
      properties[field].description = `${properties[field].description} Required (or ${alias}).`;
    }
  }
  return required.size ? { ...schema, required: [...required] } : { type: "object", properties };
}

/** What any JSON value may be: a metric value as stored (number, string, boolean, null, object, array). */
const isAnyJson = (s: JsonSchema) =>
  Array.isArray(s.anyOf) && s.anyOf.length === 6 &&
  ["number", "string", "boolean", "null", "object", "array"].every((t) =>
    (s.anyOf as JsonSchema[]).some((x) => x.type === t)
  );

/** `X or null` as one schema, `{"type": [X's type, "null"]}`, when X is a single plain schema. */
function nullable(schema: JsonSchema): JsonSchema | undefined {
  const options = schema.anyOf;
  if (!Array.isArray(options) || options.length !== 2) return undefined;
  const other = (options as JsonSchema[]).find((o) => o.type !== "null");
  const hasNull = (options as JsonSchema[]).some((o) => o.type === "null");
  if (!hasNull || !other || typeof other.type !== "string") return undefined;
  // An enum lists every allowed value, so null must join it or the merged schema would refuse null.
  const values = Array.isArray(other.enum) ? { enum: [...other.enum, null] } : {};
  return { ...other, type: [other.type, "null"], ...values };
}

/**
 * An output schema as lean as it can be while it still says the shape an agent gets: the result's
 * fields (or, for a list, its records' fields) with their types; what is nested deeper is named by
 * its type only (the tool's text and the README's JSON shapes spell it out). What only a validator
 * needs goes (`required`, forbidding extra properties, descriptions), and "any JSON value" is `{}`.
 * tools/list is read in every conversation turn, so each byte here is paid again and again.
 */
function lean(schema: JsonSchema, depth = 0): JsonSchema {
  if (isAnyJson(schema)) return {};
  const single = nullable(schema);
  if (single) return lean(single, depth);
  const type = schema.type;
  const composite = [type].flat().some((t) => t === "object" || t === "array");
  if (composite && depth > 0) return { type };
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (["description", "propertyNames", "minLength", "required"].includes(key)) continue;
    if (
      key === "additionalProperties" &&
      (value === false || (typeof value === "object" && !Object.keys(value as object).length))
    ) {
      continue;
    }
    if (key === "properties") {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, lean(v, depth + 1)]),
      );
    } else if (key === "items" || key === "additionalProperties") {
      // A list's records are the result's level; a record's values are one below.
      out[key] = lean(value as JsonSchema, depth + (key === "items" ? 0 : 1));
    } else if (Array.isArray(value)) {
      out[key] = value.map((v) => (v && typeof v === "object" ? lean(v as JsonSchema, depth) : v));
    } else out[key] = value;
  }
  return out;
}

/** The envelope every result travels in, said once in the server's instructions. */
export const RESULT_ENVELOPE = "Every result is {result, notices}: result the answer (as the CLI's --json " +
  "prints it), notices (strings) what to know about it (downsampled, truncated, rows skipped).";

/**
 * MCP wants an object as structured content; tools answer arrays too. So every result travels as
 * `{result, notices}` (`RESULT_ENVELOPE`); the schema spells out `result`, the part that differs.
 */
export function mcpOutputSchema(tool: ToolDef): JsonSchema {
  return {
    type: "object",
    properties: { result: lean(tidy(z.toJSONSchema(tool.output, { io: "output" }) as JsonSchema)) },
  };
}
