import assert from "node:assert/strict";
import { buildProgram } from "../program.ts";
import { describeProgram, renderCompletion, type Shell, SHELLS } from "./completions.ts";
import { runCli } from "../run_cli.ts";

const program = buildProgram(() => {
  throw new Error("describing the program needs no context");
});
const spec = describeProgram(program);
const commandNames = program.commands.map((command) => command.name());

async function shellAvailable(shell: string): Promise<boolean> {
  try {
    const output = await new Deno.Command(shell, { args: ["-c", "exit 0"], stdout: "null" })
      .output();
    return output.success;
  } catch {
    return false;
  }
}

async function syntaxCheck(shell: Shell, script: string): Promise<void> {
  const file = Deno.makeTempFileSync({ suffix: `.${shell}` });
  try {
    Deno.writeTextFileSync(file, script);
    const output = await new Deno.Command(shell, { args: ["-n", file], stderr: "piped" }).output();
    assert.equal(output.code, 0, `${shell} -n: ${new TextDecoder().decode(output.stderr)}`);
  } finally {
    Deno.removeSync(file);
  }
}

Deno.test("describeProgram() walks every command and its options", () => {
  assert.ok(commandNames.length >= 10);
  for (const name of commandNames) {
    assert.ok(spec.commands.some((c) => c.name === name), `missing command ${name}`);
  }
  const logs = spec.commands.find((c) => c.name === "logs")!;
  const stream = logs.options.find((o) => o.long === "--stream");
  assert.deepEqual(stream?.value, ["stdout", "stderr", "both"]);
  const submit = spec.commands.find((c) => c.name === "submit")!;
  assert.deepEqual(submit.firstArgument, ["local", "slurm", "pbs", "lsf", "sge"]);
  assert.ok(spec.options.some((o) => o.long === "--db" && o.value === "file"));
});

for (const shell of SHELLS) {
  Deno.test(`renderCompletion() for ${shell} mentions every command, --stream and the states`, () => {
    const script = renderCompletion(shell, spec);
    for (const name of [...commandNames, "help"]) {
      assert.match(script, new RegExp(`\\b${name}\\b`), `${shell}: no ${name}`);
    }
    assert.match(script, shell === "fish" ? /-l stream\b/ : /--stream\b/);
    assert.match(script, /stdout stderr both/);
    assert.match(script, /timed_out/);
  });
}

Deno.test("renderCompletion() for bash is valid bash that registers _molq", async () => {
  const script = renderCompletion("bash", spec);
  assert.match(script, /^complete -o default -F _molq molq$/m);
  await syntaxCheck("bash", script);
});

Deno.test("renderCompletion() for bash completes commands, values and the scheduler", async () => {
  const script = renderCompletion("bash", spec);
  const probe = `${script}
t() { COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _molq; echo "\${COMPREPLY[*]}"; }
t molq li
t molq logs 3f2a --stream s
t molq submit ""
t molq completions f`;
  const output = await new Deno.Command("bash", { args: ["-c", probe], stdout: "piped" }).output();
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
  assert.deepEqual(lines, ["list", "stdout stderr", "local slurm pbs lsf sge", "fish"]);
});

Deno.test("renderCompletion() for zsh has the compdef shape", async () => {
  const script = renderCompletion("zsh", spec);
  assert.match(script, /^#compdef molq$/m);
  assert.match(script, /^_molq\(\) \{$/m);
  assert.match(script, /'--stream\[[^\]]*\]:value:\(stdout stderr both\)'/);
  assert.match(script, /compdef _molq molq/);
  if (await shellAvailable("zsh")) await syntaxCheck("zsh", script);
});

Deno.test("renderCompletion() for fish has one complete line per entry", async () => {
  const script = renderCompletion("fish", spec);
  for (const line of script.trim().split("\n").filter((l) => !l.startsWith("#"))) {
    assert.match(line, /^complete -c molq /);
  }
  assert.match(script, /-l stream -x -a 'stdout stderr both'/);
  if (await shellAvailable("fish")) await syntaxCheck("fish", script);
});

Deno.test("molq completions rejects an unknown shell as a usage error", async () => {
  const error = console.error;
  const messages: string[] = [];
  console.error = (...args: unknown[]) => messages.push(args.join(" "));
  try {
    assert.equal(await runCli(["completions", "tcsh"], Deno.cwd()), 2);
  } finally {
    console.error = error;
  }
  assert.match(messages.join("\n"), /Unknown shell "tcsh": expected one of bash, zsh, fish\./);
});

Deno.test("describeProgram() offers the scheduler after job ids, as the Python molq takes it", () => {
  for (const name of ["status", "cancel", "watch", "inspect", "logs"]) {
    const command = spec.commands.find((c) => c.name === name)!;
    assert.deepEqual(command.laterArguments, ["local", "slurm", "pbs", "lsf", "sge"], name);
    assert.equal(command.firstArgument, null, name);
  }
  for (const name of ["list", "history"]) {
    const command = spec.commands.find((c) => c.name === name)!;
    assert.deepEqual(command.firstArgument, ["local", "slurm", "pbs", "lsf", "sge"], name);
    assert.equal(command.laterArguments, null, name);
  }
  const status = spec.commands.find((c) => c.name === "status")!;
  assert.ok(status.options.some((o) => o.long === "--profile"));
  const bash = renderCompletion("bash", spec);
  assert.match(bash, /\(\(COMP_CWORD > ci \+ 1\)\) && ! _molq_seen "\$ci" local slurm pbs lsf sge/);
});
