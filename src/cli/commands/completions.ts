/**
 * `molq completions bash|zsh|fish`: a shell completion script generated from the
 * command-line program itself (its commands, options and arguments), so it never drifts.
 * It prints from the command manifest, which describeProgram() writes and a test keeps
 * current, so it imports no other command and needs neither the store nor the config.
 */
import { Command } from "../command_line/mod.ts";
import { MANIFEST } from "../generated_manifest.ts";
import { UsageError } from "../../core/errors.ts";
import { JOB_STATES } from "../../core/job_state.ts";
import { SCHEDULER_KINDS } from "../../core/job_record.ts";
import type { CliContext } from "../context.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = typeof SHELLS[number];

/** What a value completes to: fixed words, file names or directory names. */
type ValueKind = readonly string[] | "file" | "dir";

export interface OptionSpec {
  short: string | null;
  long: string;
  description: string;
  /** null for a flag that takes no value. */
  value: ValueKind | "any" | null;
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** Words the first positional argument completes to, if it is a fixed set. */
  firstArgument: readonly string[] | null;
  /** Words a later positional argument completes to: the scheduler after job ids. */
  laterArguments: readonly string[] | null;
  /** Whether the command takes a command line after `--` (submit). */
  takesCommand: boolean;
}

export interface ProgramSpec {
  name: string;
  options: OptionSpec[];
  commands: CommandSpec[];
}

// Values the parser does not know about: these options parse their value themselves.
const OPTION_VALUES: Record<string, ValueKind> = {
  "--state": JOB_STATES,
  "--stream": ["stdout", "stderr", "both"],
  "--db": "file",
  "--config": "file",
  "--script": "file",
  "--stdout": "file",
  "--stderr": "file",
  "--workdir": "dir",
  "--jobs-dir": "dir",
};
const ARGUMENT_VALUES: Record<string, readonly string[]> = {
  scheduler: SCHEDULER_KINDS,
  shell: SHELLS,
};
const HELP: OptionSpec = { short: "-h", long: "--help", description: "show help", value: null };

export function completionsCommand(_context: () => CliContext): Command {
  return new Command("completions")
    .description("Print a shell completion script for bash, zsh or fish")
    .argument("<shell>", SHELLS.join(", "))
    .addHelpText(
      "after",
      `
Examples:
  molq completions bash > ~/.local/share/bash-completion/completions/molq
  molq completions zsh > ~/.zfunc/_molq        # with fpath+=(~/.zfunc) before compinit
  molq completions fish > ~/.config/fish/completions/molq.fish`,
    )
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new UsageError(`Unknown shell "${shell}": expected one of ${SHELLS.join(", ")}.`);
      }
      console.log(renderCompletion(shell as Shell, MANIFEST.completion).trimEnd());
    });
}

export function renderCompletion(shell: Shell, spec: ProgramSpec): string {
  switch (shell) {
    case "bash":
      return renderBash(spec);
    case "zsh":
      return renderZsh(spec);
    case "fish":
      return renderFish(spec);
  }
}

/** Walks the program's commands and options. */
export function describeProgram(program: Command): ProgramSpec {
  const commands: CommandSpec[] = program.commands.map((command) => {
    const [first, second] = command.registeredArguments;
    // `ID... [SCHEDULER]` (a variadic job id) and `ID [SCHEDULER]` end with a scheduler word.
    const endsWithScheduler = (first?.name() === "job-id" && first.variadic) ||
      second?.name() === "scheduler";
    return {
      name: command.name(),
      description: firstLine(command.description()),
      options: [...command.options.filter((o) => !o.hidden).map(describeOption), HELP],
      firstArgument: first ? first.argChoices ?? ARGUMENT_VALUES[first.name()] ?? null : null,
      laterArguments: endsWithScheduler ? SCHEDULER_KINDS : null,
      takesCommand: command.name() === "submit",
    };
  });
  if (!commands.some((c) => c.name === "help")) {
    commands.push({
      name: "help",
      description: "show help for a command",
      options: [],
      firstArgument: commands.map((c) => c.name),
      laterArguments: null,
      takesCommand: false,
    });
  }
  return {
    name: program.name(),
    options: [...program.options.filter((o) => !o.hidden).map(describeOption), HELP],
    commands,
  };
}

function describeOption(option: Command["options"][number]): OptionSpec {
  const long = option.long ?? option.short ?? "";
  const takesValue = option.required || option.optional;
  return {
    short: option.long ? option.short ?? null : null,
    long,
    description: firstLine(option.description),
    value: takesValue ? option.argChoices ?? OPTION_VALUES[long] ?? "any" : null,
  };
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").trim();
}

function words(list: readonly string[]): string {
  return list.join(" ");
}

function flags(options: readonly OptionSpec[]): string[] {
  return options.flatMap((o) => (o.short ? [o.short, o.long] : [o.long]));
}

function valueFlags(options: readonly OptionSpec[]): string[] {
  return flags(options.filter((o) => o.value !== null));
}

function renderBash(spec: ProgramSpec): string {
  const fn = `_${spec.name}`;
  // One case per kind of value; a free-form value completes to nothing (not to file names).
  const valueCases = (options: readonly OptionSpec[], indent: string) => {
    const byReply = new Map<string, string[]>();
    for (const o of options) {
      if (o.value === null) continue;
      const reply = Array.isArray(o.value)
        ? `COMPREPLY=($(compgen -W "${words(o.value as readonly string[])}" -- "$cur"))`
        : o.value === "dir"
        ? `COMPREPLY=($(compgen -d -- "$cur"))`
        : o.value === "file"
        ? `COMPREPLY=($(compgen -f -- "$cur"))`
        : "compopt +o default 2>/dev/null; COMPREPLY=()";
      byReply.set(reply, [...(byReply.get(reply) ?? []), ...(o.short ? [o.short] : []), o.long]);
    }
    return [...byReply].map(([reply, names]) => `${indent}${names.join("|")}) ${reply}; return ;;`);
  };
  const commandCases = spec.commands.map((c) => {
    const lines = [`    ${c.name})`];
    const cases = valueCases(c.options, "        ");
    if (cases.length) lines.push(`      case "$prev" in`, ...cases, "      esac");
    lines.push(`      opts="${words(flags(c.options))}"`);
    if (c.firstArgument) {
      const choices = words(c.firstArgument);
      lines.push(
        `      if [[ $cur != -* ]] && ! ${fn}_seen "$ci" ${choices}; then opts="${choices}"; fi`,
      );
    }
    if (c.laterArguments) {
      const choices = words(c.laterArguments);
      lines.push(
        `      if [[ $cur != -* ]] && ((COMP_CWORD > ci + 1)) && ! ${fn}_seen "$ci" ${choices}; then opts="${choices}"; fi`,
      );
    }
    lines.push("      ;;");
    return lines.join("\n");
  });
  const globalValueFlags = valueFlags(spec.options);
  return `# bash completion for ${spec.name}; generated by \`${spec.name} completions bash\`.

# Whether a word after the command (at index $1) is one of the other arguments.
${fn}_seen() {
  local from=$1 i w
  shift
  for ((i = from + 1; i < COMP_CWORD; i++)); do
    for w in "$@"; do [[ \${COMP_WORDS[i]} == "$w" ]] && return 0; done
  done
  return 1
}

${fn}() {
  local cur prev cmd="" ci=0 opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --)
        # The job's own command line: a program first, then files.
        if ((i == COMP_CWORD - 1)); then
          COMPREPLY=($(compgen -c -- "$cur"))
        else
          COMPREPLY=($(compgen -f -- "$cur"))
        fi
        return ;;${
    globalValueFlags.length
      ? `\n      ${globalValueFlags.join("|")}) [[ -z $cmd ]] && ((i++)) ;;`
      : ""
  }
      -*) ;;
      *) [[ -z $cmd ]] && cmd="\${COMP_WORDS[i]}" && ci=$i ;;
    esac
  done
  case "$cmd" in
    "")
      case "$prev" in
${valueCases(spec.options, "        ").join("\n")}
      esac
      opts="${words(spec.commands.map((c) => c.name))}"
      [[ $cur == -* ]] && opts="${words(flags(spec.options))}"
      ;;
${commandCases.join("\n")}
    *) opts="" ;;
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F ${fn} ${spec.name}
`;
}

/** Text inside an _arguments `[explanation]`, itself inside single quotes. */
function zshQuote(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/]/g, "\\]").replace(/'/g, `'\\''`);
}

function zshOption(o: OptionSpec): string {
  const description = `[${zshQuote(o.description)}]`;
  const value = o.value === null
    ? ""
    : Array.isArray(o.value)
    ? `:value:(${words(o.value as readonly string[])})`
    : o.value === "file"
    ? ":file:_files"
    : o.value === "dir"
    ? ":directory:_files -/"
    : ":value: ";
  if (!o.short) return `'${o.long}${description}${value}'`;
  return `'(${o.short} ${o.long})'{${o.short},${o.long}}'${description}${value}'`;
}

function renderZsh(spec: ProgramSpec): string {
  const fn = `_${spec.name}`;
  // _describe splits "name:description" at the first colon; only quotes need escaping.
  const describe = spec.commands.map((c) =>
    `    '${c.name}:${c.description.replace(/'/g, `'\\''`)}'`
  );
  const cases = spec.commands.map((c) => {
    const specs = c.options.map(zshOption);
    if (c.firstArgument) specs.push(`'1:argument:(${words(c.firstArgument)})'`);
    if (c.takesCommand) specs.push(`'*::command line:_normal'`);
    else if (c.laterArguments) {
      specs.push(`'1:job id: '`, `'*:scheduler:(${words(c.laterArguments)})'`);
    } else specs.push(`'*:argument: '`);
    return `        ${c.name})\n          _arguments -S \\\n            ${
      specs.join(" \\\n            ")
    } ;;`;
  });
  return `#compdef ${spec.name}
# zsh completion for ${spec.name}; generated by \`${spec.name} completions zsh\`.
${fn}() {
  local curcontext="$curcontext" state line
  typeset -A opt_args
  local -a commands
  commands=(
${describe.join("\n")}
  )
  _arguments -C \\
    ${spec.options.map(zshOption).join(" \\\n    ")} \\
    '1: :->command' \\
    '*:: :->args'
  case $state in
    command) _describe -t commands '${spec.name} command' commands ;;
    args)
      case $line[1] in
${cases.join("\n")}
      esac ;;
  esac
}
if [[ $funcstack[1] == ${fn} ]]; then ${fn} "$@"; else compdef ${fn} ${spec.name}; fi
`;
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function fishOption(name: string, condition: string, o: OptionSpec): string {
  const parts = [`complete -c ${name} -n ${fishQuote(condition)}`];
  if (o.short) parts.push(`-s ${o.short.slice(1)}`);
  parts.push(`-l ${o.long.slice(2)}`);
  if (Array.isArray(o.value)) parts.push(`-x -a ${fishQuote(words(o.value as readonly string[]))}`);
  else if (o.value === "file") parts.push("-r -F");
  else if (o.value === "dir") parts.push(`-x -a '(__fish_complete_directories)'`);
  else if (o.value === "any") parts.push("-x");
  parts.push(`-d ${fishQuote(o.description)}`);
  return parts.join(" ");
}

function renderFish(spec: ProgramSpec): string {
  const name = spec.name;
  const lines = [
    `# fish completion for ${name}; generated by \`${name} completions fish\`.`,
    `complete -c ${name} -f`,
    ...spec.options.map((o) => fishOption(name, "__fish_use_subcommand", o)),
    ...spec.commands.map((c) =>
      `complete -c ${name} -n __fish_use_subcommand -a ${c.name} -d ${fishQuote(c.description)}`
    ),
  ];
  for (const c of spec.commands) {
    const seen = `__fish_seen_subcommand_from ${c.name}`;
    lines.push(...c.options.map((o) => fishOption(name, seen, o)));
    if (c.laterArguments) {
      const args = words(c.laterArguments);
      lines.push(
        `complete -c ${name} -n ${
          fishQuote(`${seen}; and not __fish_seen_subcommand_from ${args}`)
        } -a ${fishQuote(args)} -d 'scheduler, after the job ids'`,
      );
    }
    if (c.firstArgument) {
      const args = words(c.firstArgument);
      lines.push(
        `complete -c ${name} -n ${
          fishQuote(`${seen}; and not __fish_seen_subcommand_from ${args}`)
        } -a ${fishQuote(args)}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}
