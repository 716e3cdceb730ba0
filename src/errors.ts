/**
 * One error type for everything a user can cause or meet, so every front end (CLI, MCP) reports the
 * same code, message and hint, and the CLI maps it to one documented exit code.
 */
export type ErrorCode =
  | "usage"
  | "not_found"
  | "data"
  | "refused"
  | "internal"
  | "remote"
  | "auth";

/** Exit codes of the CLI, documented in README.md ("Exit codes"); 6 and 7 are analyze's gates. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  internal: 1,
  usage: 2,
  not_found: 3,
  data: 4,
  refused: 5,
  remote: 8,
  auth: 9,
};

/**
 * A tool call that would help, e.g. listing the runs after a run was not found. Each front end words
 * it its own way: a command line on the CLI, a tool call over MCP.
 */
export interface NextStep {
  tool: string;
  args: Record<string, unknown>;
  /** What the call shows: "the runs", "its metrics". */
  shows: string;
}

/**
 * Input fields named in messages are written `arg("project")`, so that each front end can spell them
 * its own way (`--project` on the CLI, `project` over MCP).
 */
export const arg = (field: string) => `\u2039${field}\u203a`;
const FIELD = /\u2039([a-z_]+)\u203a/g;

/** A message with its field names spelled by `spell`. */
export function spellFields(text: string, spell: (field: string) => string): string {
  return text.replace(FIELD, (_, field: string) => spell(field));
}

export class TrackioCliError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    readonly next?: NextStep,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TrackioCliError";
  }
}

export const usageError = (message: string, hint?: string, next?: NextStep) =>
  new TrackioCliError("usage", message, hint, next);
export const notFound = (message: string, hint?: string, next?: NextStep) =>
  new TrackioCliError("not_found", message, hint, next);
export const dataError = (message: string, hint?: string, cause?: unknown) =>
  new TrackioCliError("data", message, hint, undefined, { cause });
export const refused = (message: string, hint?: string) => new TrackioCliError("refused", message, hint);
export const remoteError = (message: string, hint?: string, cause?: unknown) =>
  new TrackioCliError("remote", message, hint, undefined, { cause });
export const authError = (message: string, hint?: string) => new TrackioCliError("auth", message, hint);

/** Any thrown value as a TrackioCliError; unknown failures become `internal` with their message. */
export function asCliError(error: unknown): TrackioCliError {
  if (error instanceof TrackioCliError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TrackioCliError("internal", message.split("\n")[0], undefined, undefined, { cause: error });
}

/**
 * What lies under an error, outermost first: each cause's name and message, and the innermost one's
 * stack (where it really went wrong). For `--verbose`; a user never needs it to act on an error.
 */
export function causeChain(error: unknown): string[] {
  const lines: string[] = [];
  // The error itself is seen: a cause that loops back to it is not printed as its own cause.
  const seen = new Set<unknown>([error]);
  let cause = error instanceof Error ? error.cause : undefined;
  let deepestError = error instanceof Error ? error : undefined;
  while (cause !== undefined && !seen.has(cause)) {
    seen.add(cause);
    if (cause instanceof Error) deepestError = cause;
    lines.push(`caused by: ${describeCause(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  const frames = deepestError?.stack?.split("\n").filter((line) => /^\s+at /.test(line)) ?? [];
  return [...lines, ...frames.map((frame) => `  ${frame.trim()}`)];
}

/** A cause in one line: an Error by name and message, a plain value as JSON when it is one. */
function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  if (cause !== null && typeof cause === "object") {
    try {
      return JSON.stringify(cause);
    } catch {
      return String(cause);
    }
  }
  return String(cause);
}
