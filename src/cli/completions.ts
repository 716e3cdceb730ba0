import { Command, type CommandUnknownOpts as AnyCommand, type Option } from "@commander-js/extra-typings";
import { RULES } from "../analysis/rules/index.ts";
import { usageError } from "../errors.ts";
import { listSkills } from "../skills/catalog.ts";
import { withProject } from "../tools/context.ts";
import { quoteForBash, unquoteWord } from "./bash_quoting.ts";
import { subcommandNamed, subcommandsOf } from "./command_lookup.ts";
import { sourceFor } from "./common_options.ts";

/** Rows from each end of a run that tab completion reads for metric names: instant on any run. */
const METRIC_SAMPLE_ROWS = 500;

/**
 * Tab completion, computed here once for every shell: given the words typed after the program name
 * (the last one being completed), the candidates. Names come from the data directory (--dir in the
 * words, else the environment); a missing directory or file just gives no names.
 */
export async function complete(program: AnyCommand, words: string[]): Promise<string[]> {
  const current = words.at(-1) ?? "";
  const typed = words.slice(0, -1);
  const command = commandAt(program, typed);
  const options = command.options as readonly Option[];
  const starts = (names: string[], prefix = current) => names.filter((n) => n.startsWith(prefix));
  const previous = typed.at(-1);
  const option = previous?.startsWith("-") ? optionNamed(options, previous) : undefined;
  if (option && takesValue(option)) return starts(await optionValues(option, typed));
  const inline = /^(--[^=]+)=(.*)$/s.exec(current);
  if (inline) {
    const named = optionNamed(options, inline[1]);
    if (!named || !takesValue(named)) return [];
    return starts(await optionValues(named, typed), inline[2]).map((v) => `${inline[1]}=${v}`);
  }
  if (current.startsWith("-")) {
    return starts(options.flatMap((o) => [o.long ?? "", o.short ?? ""]).filter(Boolean));
  }
  // `help skills sh`: the commands below the ones named after `help`.
  const listed = command.name() === "help" && command.parent === program
    ? commandAt(program, typed.slice(typed.indexOf("help") + 1))
    : command;
  const subcommands = subcommandsOf(listed);
  if (subcommands.length) return starts(subcommands.flatMap((c) => [c.name(), ...c.aliases()]));
  if (command.name() === "explain") return starts(RULES.map((r) => r.id));
  if (command.name() === "show" && command.parent?.name() === "skills") {
    return starts(listSkills().map((s) => s.name));
  }
  return [];
}

/**
 * Bash hands its completion function the words as typed, quotes and backslashes included, and splits
 * `--dir=x` into `--dir`, `=`, `x`; and it inserts the answers literally. So the words are unquoted
 * here, and each answer is quoted for the way the word being completed was begun.
 */
export async function completeBash(program: AnyCommand, raw: string[]): Promise<string[]> {
  const words = raw.flatMap((word, i) => {
    if (word !== "=" || !raw[i - 1]?.startsWith("--")) return [word];
    // `--dir=` being completed: bash completes what follows the `=`.
    return i === raw.length - 1 ? [""] : [];
  });
  const unquoted = words.map(unquoteWord);
  const open = unquoted.at(-1)?.open ?? "";
  return (await complete(program, unquoted.map((w) => w.text))).map((c) => quoteForBash(c, open));
}

/** The answer to the scripts' `__complete [--bash] -- WORD...`. */
export function completionReply(program: AnyCommand, args: string[]): Promise<string[]> {
  const bash = args[0] === "--bash";
  const rest = bash ? args.slice(1) : args;
  const words = rest[0] === "--" ? rest.slice(1) : rest;
  return bash ? completeBash(program, words) : complete(program, words);
}

/** The command the typed words have reached (`skills show`); other words are options and values. */
function commandAt(program: AnyCommand, typed: string[]): AnyCommand {
  let command = program;
  for (const word of typed) command = subcommandNamed(command, word) ?? command;
  return command;
}

function optionNamed(options: readonly Option[], flag: string): Option | undefined {
  return options.find((o) => o.long === flag || o.short === flag);
}

function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

async function optionValues(option: Option, typed: string[]): Promise<string[]> {
  return option.argChoices ?? await valueNames(option.long ?? "", typed);
}

/** The value of `flag` as typed (`--dir x` or `--dir=x`), if any. */
function valueOf(words: string[], ...flags: string[]): string | undefined {
  for (let i = words.length - 1; i >= 0; i--) {
    for (const flag of flags) {
      if (words[i] === flag) return words[i + 1];
      if (words[i].startsWith(`${flag}=`)) return words[i].slice(flag.length + 1);
    }
  }
  return undefined;
}

async function valueNames(flag: string, words: string[]): Promise<string[]> {
  try {
    const source = sourceFor({
      dir: valueOf(words, "--dir"),
      space: valueOf(words, "--space"),
      hfToken: valueOf(words, "--hf-token"),
      demo: words.includes("--demo"),
    }, true);
    const ctx = { source };
    if (flag === "--project") return await source.projects();
    const project = valueOf(words, "--project", "-p");
    if (!project || !(await source.hasProject(project))) return [];
    if (flag === "--run" || flag === "--runs") {
      return await withProject(
        ctx,
        project,
        async (store) => [...new Set((await store.runs()).map((r) => r.name))],
      );
    }
    if (flag === "--run-id") {
      return await withProject(ctx, project, async (store) => (await store.runs()).map((r) => r.id));
    }
    if (flag === "--metric") {
      const run = valueOf(words, "--run", "-r");
      return await withProject(
        ctx,
        project,
        async (store) => await store.metricNames(await store.resolveRun(run), METRIC_SAMPLE_ROWS),
      );
    }
  } catch {
    // Completion never complains: an unreadable file, an unreachable server or a typo just gives no names.
  }
  return [];
}

/**
 * The bash function. It hands the words over as typed and inserts the answers as they come: the
 * program unquotes and quotes (see completeBash). File names after the flags taking a path are
 * readline's own, quoted as readline quotes them.
 */
export function bashScript(): string {
  return `# trackio-cli bash completion: eval "$(trackio-cli completions bash)" in ~/.bashrc
_trackio_cli() {
  COMPREPLY=()
  local line flag="\${COMP_WORDS[COMP_CWORD-1]}"
  # A loop rather than mapfile, which macOS's bash 3.2 lacks; no word splitting or globbing either way.
  while IFS= read -r line; do COMPREPLY+=("$line"); done < <(
    "\${COMP_WORDS[0]}" __complete --bash -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null
  )
  # \`--dir=/tm\`: bash splits the word at the \`=\`.
  if [ "$flag" = "=" ]; then flag="\${COMP_WORDS[COMP_CWORD-2]}"; fi
  if [ \${#COMPREPLY[@]} -eq 0 ]; then
    case "$flag" in
      --dir|--plot-out) compopt -o default 2>/dev/null ;;
    esac
  fi
}
complete -F _trackio_cli trackio-cli
`;
}

/**
 * A native zsh function (zsh's emulation of bash completion cannot run the bash one): (Q) removes
 * the quotes typed, and compadd quotes what it inserts.
 */
export function zshScript(): string {
  return `# trackio-cli zsh completion: eval "$(trackio-cli completions zsh)" in ~/.zshrc
_trackio_cli() {
  local -a candidates
  candidates=(\${(f)"$("\${words[1]}" __complete -- "\${(@Q)words[2,CURRENT-1]}" "\${(Q)PREFIX}" 2>/dev/null)"})
  if (( \${#candidates} )); then
    compadd -a candidates
  else
    case "\${words[CURRENT-1]}" in
      --dir|--plot-out) _files ;;
    esac
  fi
}
(( \${+functions[compdef]} )) || { autoload -Uz compinit && compinit; }
compdef _trackio_cli trackio-cli
`;
}

/**
 * `commandline -opc` gives the words already unquoted; the word being completed comes as typed, so it
 * is unescaped too. fish escapes what it inserts. File names only after the flags taking a path.
 */
export function fishScript(): string {
  return `# trackio-cli fish completion: trackio-cli completions fish > ~/.config/fish/completions/trackio-cli.fish
complete -c trackio-cli -f -a '(trackio-cli __complete -- (commandline -opc)[2..-1] (commandline -ct | string unescape) 2>/dev/null)'
complete -c trackio-cli -n '__fish_prev_arg_in --dir --plot-out' -F
`;
}

const SCRIPTS: Record<string, () => string> = { bash: bashScript, zsh: zshScript, fish: fishScript };

export const COMPLETIONS_EXAMPLES = [
  'eval "$(trackio-cli completions bash)"',
  "trackio-cli completions fish > ~/.config/fish/completions/trackio-cli.fish",
];

export function completionsCommand(write: (text: string) => void): Command {
  return new Command("completions")
    .summary(
      "Print a shell completion script (bash, zsh, fish) that also completes project, run and metric names.",
    )
    .description(
      "Print the completion script for a shell. It completes commands and flags, and the names of your " +
        "projects, runs and metrics read from the data directory (silently nothing when there is none).",
    )
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText("after", `\nExamples:\n${COMPLETIONS_EXAMPLES.map((e) => `  $ ${e}`).join("\n")}\n`)
    .action((shell: string) => {
      const script = SCRIPTS[shell];
      if (!script) throw usageError(`completions: no shell '${shell}'`, "bash, zsh or fish");
      write(script());
    }) as unknown as Command;
}
