/**
 * `molq --version`, `--help` and `completions` start without the store, the config or the
 * commands' modules: run with node:sqlite and smol-toml mapped to a module that throws, a
 * MOLQ_CONFIG that does not exist and a store path that must stay absent, they still work.
 * Both ways molq runs: the sources (`deno task molq`) and the bundle the binary is built
 * from, where smol-toml is inlined (tests/bundle_test.ts checks its start-up graph).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { BINARY_PERMISSIONS, MAIN, ROOT } from "./_molq.ts";

/** A deno.json like the project's whose node:sqlite and smol-toml fail to load. */
function trappedConfig(dir: string): string {
  const trap = join(dir, "trap.ts");
  Deno.writeTextFileSync(trap, 'throw new Error("TRAP: this module must not be loaded");\n');
  const project = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  const config = join(dir, "deno.json");
  Deno.writeTextFileSync(
    config,
    JSON.stringify({
      compilerOptions: project.compilerOptions,
      imports: { ...project.imports, "node:sqlite": trap, "smol-toml": trap },
    }),
  );
  return config;
}

const ENTRIES = { sources: join(ROOT, "main.ts"), bundle: MAIN };

async function trappedMolq(args: string[], trap = true, entry = MAIN) {
  const dir = Deno.makeTempDirSync({ prefix: "molq-startup-" });
  const home = join(dir, "home");
  const store = join(dir, "store", "jobs.db");
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        ...(trap ? ["--config", trappedConfig(dir)] : []),
        ...BINARY_PERMISSIONS,
        entry,
        ...args,
      ],
      cwd: dir,
      env: { MOLQ_HOME: home, MOLQ_DB: store, MOLQ_CONFIG: join(dir, "none.toml"), NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const exists = (path: string) => {
      try {
        Deno.statSync(path);
        return true;
      } catch {
        return false;
      }
    };
    return {
      code: output.code,
      stdout: new TextDecoder().decode(output.stdout),
      stderr: new TextDecoder().decode(output.stderr),
      touched: [home, store].filter(exists),
    };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

for (
  const args of [
    ["--version"],
    ["--help"],
    ["-h"],
    ["help"],
    ["completions", "bash"],
    ["completions", "zsh"],
    ["completions", "fish"],
  ]
) {
  Deno.test(`molq ${args.join(" ")} loads neither node:sqlite nor the config nor the store`, async () => {
    for (const [name, entry] of Object.entries(ENTRIES)) {
      const result = await trappedMolq(args, true, entry);
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.equal(result.stderr, "", name);
      assert.ok(result.stdout.length > 0, name);
      assert.deepEqual(result.touched, [], `${name}: nothing of molq's is created`);
    }
  });
}

Deno.test("the trap works: a command that uses the store fails on it", async () => {
  for (const [name, entry] of Object.entries(ENTRIES)) {
    const result = await trappedMolq(["list", "--no-refresh"], true, entry);
    assert.notEqual(result.code, 0, name);
    assert.match(result.stderr, /node:sqlite|TRAP/, name);
  }
});

Deno.test("the missing MOLQ_CONFIG is noticed by a command that reads the config", async () => {
  const result = await trappedMolq(["list", "--no-refresh"], false);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^molq: Cannot read config .*none\.toml \(named by MOLQ_CONFIG\)/);
});

Deno.test("lazy dynamic imports are a flag of `deno run`, never deno.json's (the binary needs every command)", () => {
  // With "lazy-dynamic-imports" in deno.json, `deno compile` builds a graph without the
  // dynamically imported command modules, and the binary fails on its first command.
  const project = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  assert.ok(!(project.unstable ?? []).includes("lazy-dynamic-imports"));
  assert.match(project.tasks.molq, /deno run --unstable-lazy-dynamic-imports /);
  assert.doesNotMatch(Deno.readTextFileSync(join(ROOT, "scripts", "compile.sh")), /lazy-dynamic/);
});
