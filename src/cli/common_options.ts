import { type Command, Option } from "@commander-js/extra-typings";
import { usageError } from "../errors.ts";
import { demoDataDir } from "../store/demo.ts";
import { LocalSource } from "../store/local_source.ts";
import { type DataDir, resolveDataDir } from "../store/paths.ts";
import { readEnv } from "../util/env.ts";
import { connectRemote } from "../store/remote/connect.ts";
import type { Source } from "../store/source.ts";
import type { ToolContext } from "../tools/registry.ts";

/** Trackio's own variable for the Space its runs log to; set it in an MCP client's config. */
export const SPACE_ENV = "TRACKIO_SPACE_ID";

/** Options every command takes. */
export interface CommonOptions {
  dir?: string;
  space?: string;
  hfToken?: string;
  json?: boolean;
  demo?: boolean;
}

export function addCommonOptions<C extends Command<unknown[], Record<string, unknown>>>(command: C) {
  return command
    .option(
      "--dir <path>",
      "Trackio data directory, which must exist when given (default: $TRACKIO_DIR, $HF_HOME/trackio, " +
        "~/.cache/huggingface/trackio)",
    )
    .option(
      "--space <id-or-url>",
      `read a Trackio Space (user/space) or Trackio server URL instead (default: $${SPACE_ENV} when set)`,
    )
    .option(
      "--hf-token <token>",
      "Hugging Face token for a private Space (default: $HF_TOKEN, then the Hugging Face CLI's token file)",
    )
    .option("--json", 'print the result as JSON (NaN and infinities as the strings "NaN", "Infinity")')
    .option("--demo", "read the bundled demo projects instead of your data")
    .option("--verbose", "on an error, also print what caused it, with its stack (or TRACKIO_CLI_DEBUG=1)")
    .addOption(
      new Option("--color <when>", "colour: auto (on a terminal, unless NO_COLOR is set), always or never")
        .choices(["auto", "always", "never"]),
    );
}

export function dataDirFor(options: CommonOptions): DataDir {
  if (options.demo) return demoDataDir();
  return resolveDataDir(options.dir);
}

/**
 * Where the data is: --demo (over anything else), --dir or --space, else $TRACKIO_SPACE_ID, else the
 * local data directory.
 * A --dir beats the environment's Space, so one command can read local files in a shell that set it.
 */
export function sourceFor(options: CommonOptions, quick = false): Source {
  if (options.demo) return new LocalSource(demoDataDir());
  if (options.dir && options.space) throw usageError("give --dir or --space, not both");
  if (options.space) {
    return connectRemote({
      space: options.space,
      origin: "--space",
      hfToken: options.hfToken,
      env: readEnv,
      quick,
    });
  }
  const envSpace = readEnv(SPACE_ENV);
  if (!options.dir && envSpace) {
    return connectRemote({
      space: envSpace,
      origin: SPACE_ENV,
      hfToken: options.hfToken,
      env: readEnv,
      quick,
    });
  }
  return new LocalSource(dataDirFor(options));
}

export const contextFor = (options: CommonOptions): ToolContext => ({ source: sourceFor(options) });
