import assert from "node:assert/strict";
import { Command } from "./command.ts";
import { CommanderError } from "./commander_error.ts";

/** A program whose output is captured; `run` resolves to what was written and the error code. */
function harness(build: (program: Command) => void) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command("tool").configureOutput({
    writeOut: (text) => out.push(text),
    writeErr: (text) => err.push(text),
    getOutHelpWidth: () => 80,
    getErrHelpWidth: () => 80,
  });
  build(program);
  return {
    program,
    async run(...args: string[]) {
      out.length = 0;
      err.length = 0;
      let code: string | null = null;
      let exitCode: number | null = null;
      try {
        await program.parseAsync(args, { from: "user" });
      } catch (error) {
        if (!(error instanceof CommanderError)) throw error;
        code = error.code;
        exitCode = error.exitCode;
      }
      return { out: out.join(""), err: err.join(""), code, exitCode };
    },
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

Deno.test("Command passes arguments, then options, then itself to the action", async () => {
  let seen: unknown[] = [];
  const { run } = harness((program) =>
    program.command("show")
      .argument("<id>")
      .argument("[rest...]")
      .option("--limit <n>", "rows", (value: string) => Number(value), 200)
      .option("--no-refresh", "store only")
      .option("-q, --quiet", "say nothing")
      .option("--tag <t>", "repeatable", collect)
      .action((...args: unknown[]) => {
        seen = args;
      })
  );
  await run("show", "a", "b", "c", "--tag", "x", "-q", "--tag=y", "--no-refresh");
  assert.deepEqual(seen.slice(0, 3), [
    "a",
    ["b", "c"],
    { limit: 200, refresh: false, quiet: true, tag: ["x", "y"] },
  ]);
  assert.equal((seen[3] as Command).name(), "show");
});

Deno.test("Command leaves an option unset when both --x and --no-x exist", async () => {
  let options: Record<string, unknown> = {};
  const { run } = harness((program) =>
    program.command("clean")
      .option("--keep", "keep")
      .option("--no-keep", "do not keep")
      .action((opts: Record<string, unknown>) => {
        options = { ...opts };
      })
  );
  await run("clean");
  assert.deepEqual(options, {});
  await run("clean", "--no-keep");
  assert.deepEqual(options, { keep: false });
});

Deno.test("Command reads global options before and after the subcommand", async () => {
  const { program, run } = harness((program) =>
    program.option("--db <path>").command("list").option("--all").action(() => {})
  );
  await run("list", "--all", "--db", "x.db");
  assert.deepEqual(program.opts(), { db: "x.db" });
});

Deno.test("Command throws a parse function's own error unchanged", async () => {
  const { run } = harness((program) =>
    program.command("list").option("--limit <n>", "rows", () => {
      throw new RangeError("bad limit");
    }).action(() => {})
  );
  await assert.rejects(run("list", "--limit", "0"), RangeError);
});

Deno.test("Command prints usage errors through outputError and throws exit code 1", async () => {
  const { run } = harness((program) => {
    program.configureOutput({ outputError: (text, write) => write(`tool: ${text}`) });
    program.command("list").option("--limit <n>").action(() => {});
    program.command("logs").argument("<job-id>").action(() => {});
  });
  assert.deepEqual(await run("list", "--limt", "3"), {
    out: "",
    err: "tool: error: unknown option '--limt'\n(Did you mean --limit?)\n",
    code: "commander.unknownOption",
    exitCode: 1,
  });
  assert.equal(
    (await run("lsit")).err,
    "tool: error: unknown command 'lsit'\n(Did you mean list?)\n",
  );
  assert.equal((await run("logs")).err, "tool: error: missing required argument 'job-id'\n");
  assert.equal(
    (await run("logs", "a", "b")).err,
    "tool: error: too many arguments for 'logs'. Expected 1 argument but got 2.\n",
  );
  assert.equal(
    (await run("list", "--limit")).err,
    "tool: error: option '--limit <n>' argument missing\n",
  );
});

Deno.test("Command prints the version and help and throws exit code 0", async () => {
  const { run } = harness((program) => {
    program.version("tool 1.0").description("A tool.").command("list").description("List")
      .action(() => {});
  });
  assert.deepEqual(await run("list", "-V"), {
    out: "tool 1.0\n",
    err: "",
    code: "commander.version",
    exitCode: 0,
  });
  const help = await run("--help");
  assert.equal(help.exitCode, 0);
  assert.match(help.out, /^Usage: tool \[options\] \[command\]\n\nA tool\.\n/);
  assert.match(help.out, /^ {2}list {12}List$/m);
  assert.match(help.out, /^ {2}help \[command\] {2}display help for command$/m);
  const bare = await run();
  assert.equal(bare.exitCode, 1, "no command: help on stderr, as an error");
  assert.equal(bare.out, "");
  assert.match(bare.err, /^Usage: tool/);
});

Deno.test("Command runs preAction hooks from the root down, before the action", async () => {
  const calls: string[] = [];
  const { run } = harness((program) => {
    program.hook("preAction", (hooked, action) => {
      calls.push(`root hook for ${action.name()} on ${hooked.name()}`);
    });
    program.command("list").hook("preAction", () => {
      calls.push("list hook");
    }).action(() => {
      calls.push("action");
    });
  });
  await run("list");
  assert.deepEqual(calls, ["root hook for list on tool", "list hook", "action"]);
});

Deno.test("Command.lazy() loads a command only when it runs or its help is asked for", async () => {
  const loaded: string[] = [];
  let ran = false;
  const { program, run } = harness((program) => {
    program.configureOutput({ outputError: (text, write) => write(`tool: ${text}`) });
    for (const name of ["alpha", "beta"]) {
      program.addCommand(
        Command.lazy(name, { term: `${name} [options] <x>`, description: `the ${name}` }, () => {
          loaded.push(name);
          return Promise.resolve(
            new Command(name).description(`the ${name}`).argument("<x>").option("--fast")
              .action(() => {
                ran = true;
              }),
          );
        }).copyInheritedSettings(program), // as run_cli configures every subcommand
      );
    }
  });
  const help = await run("--help");
  assert.match(help.out, /^ {2}alpha \[options\] <x> {2}the alpha$/m);
  assert.deepEqual(loaded, [], "the listing needs no command module");
  assert.equal((await run("beta", "--slow", "1")).err, "tool: error: unknown option '--slow'\n");
  assert.deepEqual(loaded, ["beta"]);
  await run("beta", "1", "--fast");
  assert.ok(ran);
  assert.deepEqual(loaded, ["beta"], "loaded once");
  assert.equal(program.commands[1]!.options[0]!.long, "--fast");
  assert.equal(program.commands[1]!.parent, program);
  assert.match((await run("help", "alpha")).out, /^Usage: tool alpha \[options\] <x>$/m);
  assert.deepEqual(loaded, ["beta", "alpha"]);
});

Deno.test("Command refuses options with a flag another option has", () => {
  assert.throws(() => new Command("x").option("-n, --limit <n>").option("-n, --count <n>"), /-n/);
  assert.throws(() => new Command("x").argument("<a...>").argument("[b]"), /variadic/);
});
