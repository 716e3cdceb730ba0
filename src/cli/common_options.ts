import { type Command, Option } from "@commander-js/extra-typings";
import { demoDataDir } from "../store/demo.ts";
import { type DataDir, resolveDataDir } from "../store/paths.ts";

/** Options every command takes. */
export interface CommonOptions {
  dir?: string;
  json?: boolean;
  demo?: boolean;
}

export function addCommonOptions<C extends Command<unknown[], Record<string, unknown>>>(command: C) {
  return command
    .option(
      "--dir <path>",
      "Trackio data directory (default: $TRACKIO_DIR, $HF_HOME/trackio, ~/.cache/huggingface/trackio)",
    )
    .option("--json", 'print the result as JSON (NaN and infinities as the strings "NaN", "Infinity")')
    .option("--demo", "read the bundled demo projects instead of your data")
    .addOption(
      new Option("--color <when>", "colour: auto (on a terminal, unless NO_COLOR is set), always or never")
        .choices(["auto", "always", "never"]),
    );
}

export function dataDirFor(options: CommonOptions): DataDir {
  if (options.demo) return demoDataDir();
  return resolveDataDir(options.dir);
}
