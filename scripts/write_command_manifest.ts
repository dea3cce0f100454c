/** `deno task manifest`: rewrites src/cli/generated_manifest.ts from the commands' definitions. */
import { fileURLToPath } from "node:url";
import { buildProgram } from "../src/cli/program.ts";
import { commandManifest, renderManifestModule } from "../src/cli/command_manifest.ts";

const path = fileURLToPath(new URL("../src/cli/generated_manifest.ts", import.meta.url));
const program = buildProgram(() => {
  throw new Error("describing the commands needs no context");
});
Deno.writeTextFileSync(path, renderManifestModule(commandManifest(program)));
const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", path] }).output();
if (!fmt.success) {
  throw new Error(`deno fmt ${path} failed: ${new TextDecoder().decode(fmt.stderr)}`);
}
console.log(`Wrote ${path}.`);
