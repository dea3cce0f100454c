/**
 * The binary is compiled from the bundle the end-to-end tests run (scripts/bundle.sh), and
 * the bundle keeps what a command does not need out of its start-up.
 */
import assert from "node:assert/strict";
import { basename, dirname, join } from "node:path";
import { MAIN, ROOT } from "./_molq.ts";
import { bundledMain } from "../src/testing/bundled_main.ts";

/** The files main.js loads before any dynamic import: its static import graph. */
function staticallyLoaded(main: string): Map<string, string> {
  const dir = dirname(main);
  const loaded = new Map<string, string>();
  const visit = (name: string) => {
    if (loaded.has(name)) return;
    const text = Deno.readTextFileSync(join(dir, name));
    loaded.set(name, text);
    for (
      const match of text.matchAll(/(?:^|[;\s])(?:import|export)\b[^;"'()]*?["']\.\/([^"']+)["']/g)
    ) {
      visit(match[1]!);
    }
  };
  visit(basename(main));
  return loaded;
}

Deno.test("scripts/compile.sh type-checks, bundles and compiles the bundle", () => {
  const lines = Deno.readTextFileSync(join(ROOT, "scripts", "compile.sh")).split("\n")
    .filter((line) => !line.trimStart().startsWith("#"));
  const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
  const check = at(/^deno check\b.* main\.ts\b/);
  const bundle = at(/^sh scripts\/bundle\.sh dist\/bundle\b/);
  const compile = at(/\bdeno compile\b/);
  assert.ok(check >= 0, "compile.sh runs deno check main.ts");
  assert.ok(bundle > check, "compile.sh bundles after type-checking");
  assert.ok(compile > bundle, "compile.sh compiles after bundling");
  assert.match(
    lines[compile]!,
    /"\$@" dist\/bundle\/main\.js;/,
    "the binary's entry is the bundle",
  );
  const stamp = at(/^sed "s\/\^export const COMMIT/);
  assert.ok(stamp >= 0 && stamp < bundle, "the commit is stamped before the bundle is made");
});

Deno.test("the end-to-end tests run the bundle, built once per version of the sources", async () => {
  assert.match(MAIN, /molq-bundle-[0-9a-f]{16}\/main\.js$/);
  assert.equal(await bundledMain(), MAIN);
  const chunks = [...Deno.readDirSync(dirname(MAIN))].map((entry) => entry.name);
  assert.ok(chunks.length > 10, `code splitting made ${chunks.length} files`);
});

Deno.test("the bundle's start-up loads neither the store, SQLite nor any command", () => {
  const loaded = staticallyLoaded(MAIN);
  assert.ok(loaded.size >= 2, "main.js imports its shared chunks");
  const all = [...loaded.values()].join("\n");
  assert.doesNotMatch(all, /node:sqlite/);
  assert.doesNotMatch(all, /CREATE TABLE/);
  assert.doesNotMatch(all, /smol-toml|TomlError/);
  // Each command is a chunk of its own, imported when it runs.
  for (const command of ["submit", "status", "list", "monitor", "watch"]) {
    assert.match(all, new RegExp(`import\\("\\./${command}-[A-Z0-9]+\\.js"\\)`), command);
  }
});
