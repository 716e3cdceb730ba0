import { causeChain, EXIT_CODES, spellFields, type TrackioCliError } from "../errors.ts";
import { cliSpell, cliWords } from "./wording.ts";
import { readEnv } from "../util/env.ts";

const encoder = new TextEncoder();

/** Writes all of `text` to stdout; a closed pipe (`| head`) ends the output quietly. */
export function writeOut(text: string): void {
  writeAll(Deno.stdout, text);
}

export function writeErr(text: string): void {
  writeAll(Deno.stderr, text);
}

let closed = false;

/** Whether the reader of stdout went away (`| head`): a streaming command can stop reading. */
export const stdoutClosed = () => closed;

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
  } catch (error) {
    if (error instanceof Deno.errors.BrokenPipe) {
      if (stream === Deno.stdout) closed = true;
      return;
    }
    throw error;
  }
}

export type ColorMode = "auto" | "always" | "never";
let colorMode: ColorMode = "auto";

/** `--color`: auto (on a terminal, unless NO_COLOR is set), always, or never. */
export function setColorMode(mode: ColorMode): void {
  colorMode = mode;
}

/** Whether to colour what goes to `stream`. */
export function colorFor(stream: { isTerminal(): boolean }): boolean {
  if (colorMode !== "auto") return colorMode === "always";
  return readEnv("NO_COLOR") === undefined && stream.isTerminal();
}

/** Colour on stderr only on a terminal and never with NO_COLOR, unless --color says otherwise. */
export const stderrColor = () => colorFor(Deno.stderr);

const paint = (code: string, text: string) => (stderrColor() ? `\x1b[${code}m${text}\x1b[0m` : text);

/**
 * `error: message (hint)` on one line, or with `json` the same as one JSON line
 * `{"error": {"code", "message", "hint"}}` for scripts that asked for JSON; and the exit code. With
 * `verbose`, what caused it follows (lines after the error; `cause` in the JSON).
 */
export function reportError(error: TrackioCliError, json = false, verbose = false): number {
  const { message, hint } = cliWords(error);
  const causes = verbose ? causeChain(error) : [];
  if (json) {
    const body = {
      error: { code: error.code, message, hint: hint ?? null, ...verbose ? { cause: causes } : {} },
    };
    writeErr(`${JSON.stringify(body)}\n`);
  } else {
    writeErr(`${paint("31", "error:")} ${message}${hint ? ` (${hint})` : ""}\n`);
    for (const line of causes) writeErr(`${line}\n`);
  }
  return EXIT_CODES[error.code];
}

export function reportNotice(notice: string): void {
  writeErr(`${paint("33", "note:")} ${spellFields(notice, cliSpell)}\n`);
}
