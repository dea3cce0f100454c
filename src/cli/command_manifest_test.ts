import assert from "node:assert/strict";
import { buildProgram } from "./program.ts";
import { commandManifest } from "./command_manifest.ts";
import { MANIFEST } from "./generated_manifest.ts";
import { COMMAND_MODULES } from "./command_modules.ts";
import { buildLazyProgram } from "./lazy_program.ts";
import { rootCommand } from "./root_command.ts";

const noContext = () => {
  throw new Error("describing the commands needs no context");
};
const program = buildProgram(noContext);

Deno.test("generated_manifest.ts matches the commands (else: deno task manifest)", () => {
  assert.deepEqual(
    MANIFEST,
    commandManifest(program),
    "src/cli/generated_manifest.ts is stale: run `deno task manifest`",
  );
});

Deno.test("every command has a module to load, in the order of the full program", () => {
  assert.deepEqual(Object.keys(COMMAND_MODULES), program.commands.map((c) => c.name()));
});

Deno.test("each module loads the command the full program has under that name", async () => {
  for (const command of program.commands) {
    const loaded = await COMMAND_MODULES[command.name()]!(noContext);
    rootCommand().addCommand(loaded);
    assert.equal(loaded.helpInformation(), command.helpInformation(), command.name());
  }
});

Deno.test("the lazy program's help lists the commands as the full program's does", () => {
  assert.equal(buildLazyProgram(noContext).helpInformation(), program.helpInformation());
});
