/**
 * The binary cannot be built in CI (`deno compile` downloads its runtime), so this checks
 * what the build would grant: every place that runs molq uses the same minimal permission
 * set {read, write, run, env, sys}, nothing grants net or ffi, the entry point type-checks,
 * and main.ts works with exactly those permissions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { BINARY_PERMISSIONS, ROOT } from "./_molq.ts";
import { MOLQ_PERMISSIONS, MOLQ_V8_FLAGS } from "../bench/measure.ts";
import { COMMIT, VERSION } from "../src/build_info.ts";

const EXPECTED = ["env", "read", "run", "sys", "write"];
const SHORT_FLAGS: Record<string, string> = {
  A: "all",
  R: "read",
  W: "write",
  E: "env",
  S: "sys",
  N: "net",
  I: "import",
  P: "permission-set",
};

/** The permissions a command line grants, by name (`--allow-read=/x` → `read`). */
export function grantedPermissions(commandLine: string): string[] {
  const granted = new Set<string>();
  for (const token of commandLine.split(/\s+/)) {
    const long = /^--allow-([a-z-]+)(=.*)?$/.exec(token);
    if (long) granted.add(long[1]!);
    else if (token === "--permission-set" || token.startsWith("--permission-set=")) {
      granted.add("permission-set");
    } else if (/^-[A-Za-z]+$/.test(token)) {
      for (const letter of token.slice(1)) {
        if (SHORT_FLAGS[letter]) granted.add(SHORT_FLAGS[letter]);
      }
    }
  }
  return [...granted].sort();
}

function denoTasks(): Record<string, string> {
  const config = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  return config.tasks as Record<string, string>;
}

function compileScript(): { permissions: string; compileLines: string[] } {
  const script = Deno.readTextFileSync(join(ROOT, "scripts", "compile.sh"));
  const assignment = /^PERMISSIONS="([^"]*)"$/m.exec(script);
  assert.ok(assignment, 'scripts/compile.sh must set PERMISSIONS="..." on one line');
  // The invocations: outside comments and quoted messages.
  const compileLines = script.split("\n")
    .map((line) => line.replace(/(^|\s)#.*$/, "").replace(/"[^"]*"/g, '""'))
    .filter((line) => /\bdeno compile\b/.test(line));
  return { permissions: assignment[1]!, compileLines };
}

Deno.test("grantedPermissions() reads long, scoped and short flags", () => {
  assert.deepEqual(grantedPermissions("deno run --allow-read=/a -WE --allow-net x.ts"), [
    "env",
    "net",
    "read",
    "write",
  ]);
  assert.deepEqual(grantedPermissions("deno run -A main.ts"), ["all"]);
});

Deno.test("the molq, test and bench tasks and scripts/compile.sh grant the same minimal set", () => {
  const tasks = denoTasks();
  const sources: Record<string, string[]> = {
    "deno.json tasks.molq": grantedPermissions(tasks.molq ?? ""),
    "deno.json tasks.test": grantedPermissions(tasks.test ?? ""),
    "deno.json tasks.bench": grantedPermissions(tasks.bench ?? ""),
    "scripts/compile.sh PERMISSIONS": grantedPermissions(compileScript().permissions),
    "tests/_molq.ts BINARY_PERMISSIONS": grantedPermissions(BINARY_PERMISSIONS.join(" ")),
    "bench/measure.ts MOLQ_PERMISSIONS": grantedPermissions(MOLQ_PERMISSIONS.join(" ")),
  };
  for (const [source, granted] of Object.entries(sources)) {
    assert.deepEqual(granted, EXPECTED, `${source} grants ${granted.join(", ") || "nothing"}`);
  }
});

Deno.test("the binary, the molq task and the benchmarks run with the same V8 settings", () => {
  const script = Deno.readTextFileSync(join(ROOT, "scripts", "compile.sh"));
  const assignment = /^V8_FLAGS="([^"]*)"$/m.exec(script);
  assert.ok(assignment, 'scripts/compile.sh must set V8_FLAGS="..." on one line');
  assert.ok(
    compileScript().compileLines.every((line) => /\$V8_FLAGS\b/.test(line)),
    "every compile line passes $V8_FLAGS",
  );
  const v8Flags = (line: string) => line.split(/\s+/).filter((t) => t.startsWith("--v8-flags"));
  assert.deepEqual(v8Flags(assignment[1]!), MOLQ_V8_FLAGS);
  assert.deepEqual(v8Flags(denoTasks().molq ?? ""), MOLQ_V8_FLAGS, "deno.json tasks.molq");
});

Deno.test("nothing grants net, ffi, import or all", () => {
  const forbidden = ["all", "net", "ffi", "import", "permission-set"];
  const tasks = denoTasks();
  for (const [name, line] of Object.entries(tasks)) {
    const granted = grantedPermissions(line).filter((p) => forbidden.includes(p));
    assert.deepEqual(granted, [], `deno.json task "${name}" grants ${granted.join(", ")}`);
  }
  const script = compileScript();
  const fromScript = grantedPermissions(script.permissions).filter((p) => forbidden.includes(p));
  assert.deepEqual(fromScript, [], `scripts/compile.sh grants ${fromScript.join(", ")}`);
  assert.ok(script.compileLines.length > 0, "scripts/compile.sh has no `deno compile` line");
  for (const line of script.compileLines) {
    assert.match(line, /\$PERMISSIONS\b/, `the compile line must use $PERMISSIONS: ${line}`);
    assert.deepEqual(grantedPermissions(line), [], `the compile line adds flags: ${line}`);
    assert.doesNotMatch(line, /--no-check\b/, "the binary build must type-check");
  }
});

Deno.test("deno check main.ts passes", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["check", "--quiet", "main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `deno check main.ts failed:\n${stderr}`);
});

/** Runs main.ts with exactly the permissions of the `molq` task, never prompting. */
async function molqWithTaskPermissions(args: string[]) {
  const flags = denoTasks().molq!.split(/\s+/).filter((token) => token.startsWith("--allow-"));
  const home = Deno.makeTempDirSync({ prefix: "molq-permissions-" });
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", ...flags, join(ROOT, "main.ts"), ...args],
      cwd: home,
      env: { MOLQ_HOME: home, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: output.code,
      stdout: new TextDecoder().decode(output.stdout),
      stderr: new TextDecoder().decode(output.stderr),
    };
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
}

Deno.test("main.ts --version works with exactly the granted permissions", async () => {
  const result = await molqWithTaskPermissions(["--version"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), `molq ${VERSION} (${COMMIT})`);
  assert.match(result.stdout.trim(), /^molq \d+\.\d+\.\d+ \([\w.-]+\)$/);
});

Deno.test("main.ts --help works with exactly the granted permissions and shows examples", async () => {
  const result = await molqWithTaskPermissions(["--help"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Examples:$/m);
  assert.match(result.stdout, /molq submit local -- /);
  assert.match(result.stdout, /^\s+completions\b/m);
});

Deno.test("main.ts opens its store with exactly the granted permissions", async () => {
  const result = await molqWithTaskPermissions(["list", "--all", "--no-refresh"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /No jobs/);
});
