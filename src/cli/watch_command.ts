import { Command, Option } from "@commander-js/extra-typings";
import { usageError } from "../errors.ts";
import { readEnv } from "../util/env.ts";
import { addCommonOptions, type CommonOptions } from "./common_options.ts";
import { DEFAULT_WATCH_SECONDS } from "./analyze_command.ts";
import { GATE_EXIT_CODES } from "./analysis_output.ts";

export const WATCH_EXAMPLES = [
  "trackio-cli watch -p sft-qwen",
  "trackio-cli watch -p sft-qwen --filter '^lr-' --webhook https://hooks.slack.com/services/T000/B000/XXXX",
  "trackio-cli watch -p sft-qwen --once --state sft-qwen.watch.json",
  `trackio-cli watch -p sft-qwen --exec 'scancel --name "$TRACKIO_CLI_RUN"'`,
];

/** Trackio's own settings for its alert webhooks, honoured so existing setups work unchanged. */
export const WEBHOOK_URL_ENV = "TRACKIO_WEBHOOK_URL";
export const WEBHOOK_LEVEL_ENV = "TRACKIO_WEBHOOK_MIN_LEVEL";

export interface WatchOptions extends CommonOptions {
  project?: string;
  runs?: string;
  filter?: string;
  interval?: string;
  once?: boolean;
  state?: string;
  failOn?: "warning" | "critical";
  webhook?: string;
  webhookFormat?: "slack" | "discord" | "json";
  minLevel?: string;
  exec?: string;
  execLevel?: string;
}

export function watchCommand(exit: { code: number }): Command {
  const command = new Command("watch")
    .summary("Follow every run of a project and tell someone when one goes wrong.")
    .description(
      "Follow every run of a project (new ones as they start), re-analyze each as it logs, reading only " +
        "the new rows, and print one line per change: a finding opened or cleared, a run started, " +
        "finished or stalled. Post the changes to a Slack or Discord webhook, or run a command when a " +
        "critical finding opens. Runs that had finished before the watch began are not followed. " +
        "Ends on Ctrl-C; --once makes one pass (for cron).",
    )
    .option("-p, --project <name>", "the project to watch")
    .option("--runs <names>", "only these runs (comma-separated names or ids)")
    .option("--filter <regex>", "only runs whose name matches this regex")
    .option("--interval <seconds>", `seconds between passes (default ${DEFAULT_WATCH_SECONDS}; at least 1)`)
    .option("--once", "make one pass, print what is wrong now (or, with --state, what changed) and exit")
    .option(
      "--state <file>",
      "with --once: remember what this pass saw in this file, so the next pass reports only changes",
    )
    .addOption(
      new Option(
        "--fail-on <severity>",
        `exit ${GATE_EXIT_CODES.warning} (warning) or ${GATE_EXIT_CODES.critical} (critical) when a watched ` +
          "run's verdict is at least this bad at the end",
      ).choices(["warning", "critical"] as const),
    )
    .option(
      "--webhook <url>",
      `post each change to this Slack or Discord incoming webhook, or any URL as JSON (default: $${WEBHOOK_URL_ENV})`,
    )
    .addOption(
      new Option("--webhook-format <format>", "the webhook's payload (default: from its URL)").choices(
        ["slack", "discord", "json"] as const,
      ),
    )
    .option(
      "--min-level <level>",
      `post changes at least this severe: info, warning or critical (Trackio's info, warn, error too; ` +
        `default: $${WEBHOOK_LEVEL_ENV}, else warning)`,
    )
    .option(
      "--exec <command>",
      "run this shell command when a finding at --exec-level opens (once per run and rule), the event " +
        "in TRACKIO_CLI_* variables and as JSON on its stdin",
    )
    .option("--exec-level <level>", "the severity that runs --exec (default critical)");
  addCommonOptions(command as unknown as Command<[], Record<string, unknown>>);
  command.addHelpText("after", `\nExamples:\n${WATCH_EXAMPLES.map((e) => `  $ ${e}`).join("\n")}\n`);
  command.action(async (raw) => {
    const options = raw as WatchOptions;
    if (!options.project) throw usageError("watch: give the project to watch with --project");
    // An empty --webhook (an unset variable in a crontab) is a mistake, not "no webhook".
    if (options.webhook?.trim() === "") throw usageError("--webhook: give the webhook's URL");
    const { runWatch } = await import("./watch_run.ts");
    exit.code = await runWatch(options, {
      webhook: options.webhook ?? readEnv(WEBHOOK_URL_ENV),
      webhookOrigin: options.webhook ? "--webhook" : WEBHOOK_URL_ENV,
      minLevel: options.minLevel ?? readEnv(WEBHOOK_LEVEL_ENV),
      minLevelOrigin: options.minLevel ? "--min-level" : WEBHOOK_LEVEL_ENV,
    });
  });
  return command as unknown as Command;
}
