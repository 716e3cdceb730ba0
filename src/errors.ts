/**
 * One error type for everything a user can cause or meet, so every front end (CLI, MCP) reports the
 * same code, message and hint, and the CLI maps it to one documented exit code.
 */
export type ErrorCode =
  | "usage"
  | "not_found"
  | "data"
  | "refused"
  | "internal";

/** Exit codes of the CLI, documented in README.md ("Exit codes"). */
export const EXIT_CODES: Record<ErrorCode, number> = {
  internal: 1,
  usage: 2,
  not_found: 3,
  data: 4,
  refused: 5,
};

export class TrackioCliError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "TrackioCliError";
  }
}

export const usageError = (message: string, hint?: string) => new TrackioCliError("usage", message, hint);
export const notFound = (message: string, hint?: string) => new TrackioCliError("not_found", message, hint);
export const dataError = (message: string, hint?: string) => new TrackioCliError("data", message, hint);
export const refused = (message: string, hint?: string) => new TrackioCliError("refused", message, hint);

/** Any thrown value as a TrackioCliError; unknown failures become `internal` with their message. */
export function asCliError(error: unknown): TrackioCliError {
  if (error instanceof TrackioCliError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TrackioCliError("internal", message.split("\n")[0]);
}
