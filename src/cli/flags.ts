import { z } from "zod";

/**
 * Command-line spelling of input fields shared by tools: Trackio-style short flags for the common
 * ones. Any other field `foo_bar` becomes `--foo-bar`.
 */
const FLAG_NAMES: Record<string, { flags: string; long: string }> = {
  project: { flags: "-p, --project <name>", long: "--project" },
  run: { flags: "-r, --run <name>", long: "--run" },
  run_id: { flags: "--run-id <id>", long: "--run-id" },
  metric: { flags: "-m, --metric <name>", long: "--metric" },
  around_step: { flags: "--around <step>", long: "--around" },
};

export interface FieldFlag {
  field: string;
  flags: string;
  long: string;
  /** The attribute commander stores the value under. */
  attribute: string;
  description: string;
  boolean: boolean;
  /** For a number field: whether it must be whole. */
  whole?: boolean;
  choices?: string[];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (
    current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

const camel = (flag: string) =>
  flag.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** How an input field appears as a command-line flag. */
export function flagFor(field: string, schema: z.ZodType): FieldFlag {
  const inner = unwrap(schema);
  const boolean = inner instanceof z.ZodBoolean;
  const known = FLAG_NAMES[field];
  const long = known?.long ?? `--${field.replaceAll("_", "-")}`;
  const flags = known?.flags ?? (boolean ? long : `${long} <${field.split("_").at(-1)}>`);
  return {
    field,
    flags,
    long,
    attribute: camel(long),
    description: inner.description ?? schema.description ?? "",
    boolean,
    whole: inner instanceof z.ZodNumber ? inner.isInt : undefined,
    choices: inner instanceof z.ZodEnum ? (inner.options as string[]) : undefined,
  };
}

export function flagsOf(input: z.ZodObject): FieldFlag[] {
  return Object.entries(input.shape).map(([field, schema]) => flagFor(field, schema as z.ZodType));
}
