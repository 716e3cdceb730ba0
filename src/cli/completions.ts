import { Command, type Option } from "@commander-js/extra-typings";
import { RULES } from "../analysis/rules/index.ts";
import { usageError } from "../errors.ts";
import { listSkills } from "../skills/catalog.ts";
import { withProject } from "../tools/context.ts";
import { sourceFor } from "./common_options.ts";

/** Rows from each end of a run that tab completion reads for metric names: instant on any run. */
const METRIC_SAMPLE_ROWS = 500;

/**
 * Tab completion, computed here once for every shell: given the words typed after the program name
 * (the last one being completed), the candidates. Names come from the data directory (--dir in the
 * words, else the environment); a missing directory or file just gives no names.
 */
export async function complete(program: Command, words: string[]): Promise<string[]> {
  const current = words.at(-1) ?? "";
  const typed = words.slice(0, -1);
  let command = program;
  for (const word of typed) {
    const sub = (command.commands as readonly Command[]).find((c) =>
      c.name() === word || c.aliases().includes(word)
    );
    if (sub) command = sub;
  }
  const options = command.options as readonly Option[];
  const previous = typed.at(-1);
  const option = previous?.startsWith("-")
    ? options.find((o) => o.long === previous || o.short === previous)
    : undefined;
  const starts = (names: string[]) => names.filter((n) => n.startsWith(current));
  if (option && (option.required || option.optional)) {
    if (option.argChoices) return starts(option.argChoices);
    return starts(await valueNames(option.long ?? "", typed));
  }
  if (current.startsWith("-")) {
    return starts(options.flatMap((o) => [o.long ?? "", o.short ?? ""]).filter(Boolean));
  }
  const subcommands = (command.commands as readonly Command[]).filter((c) => !c.name().startsWith("__"));
  if (subcommands.length) return starts(subcommands.flatMap((c) => [c.name(), ...c.aliases()]));
  if (command.name() === "explain") return starts(RULES.map((r) => r.id));
  if (command.name() === "show" && command.parent?.name() === "skills") {
    return starts(listSkills().map((s) => s.name));
  }
  return [];
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

/** The bash function; zsh loads it through bashcompinit. It asks the program itself for candidates. */
export function bashScript(): string {
  return `# trackio-cli bash completion: eval "$(trackio-cli completions bash)" in ~/.bashrc
_trackio_cli() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local IFS=$'\\n'
  COMPREPLY=($("\${COMP_WORDS[0]}" __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
  if [ \${#COMPREPLY[@]} -eq 0 ]; then
    case "\${COMP_WORDS[COMP_CWORD-1]}" in
      --dir|--plot-out|--sql) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
  fi
}
complete -F _trackio_cli trackio-cli
`;
}

export function zshScript(): string {
  return `# trackio-cli zsh completion: eval "$(trackio-cli completions zsh)" in ~/.zshrc
autoload -U +X bashcompinit && bashcompinit
${bashScript().split("\n").slice(1).join("\n")}`;
}

export function fishScript(): string {
  return `# trackio-cli fish completion: trackio-cli completions fish > ~/.config/fish/completions/trackio-cli.fish
complete -c trackio-cli -f -a '(trackio-cli __complete -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
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
