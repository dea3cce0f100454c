/**
 * The command line's help texts, errors and exit codes, exactly as commander 14.0.3 printed
 * them before molq had its own parser (recorded on main at commit 9b7c3f7, the last with
 * commander). Every case runs the real CLI (`main.ts` bundled as the binary is);
 * `MOLQ_RECORD_GOLDEN=1` rewrites the recording from the current code instead.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type MolqResult, sandbox } from "./_molq.ts";

const GOLDEN = fileURLToPath(new URL("../testdata/cli/parser_golden.json", import.meta.url));
const RECORD = Deno.env.get("MOLQ_RECORD_GOLDEN") === "1";

const COMMANDS = [
  "submit",
  "list",
  "history",
  "status",
  "inspect",
  "report",
  "logs",
  "watch",
  "cancel",
  "refresh",
  "daemon",
  "clusters",
  "connect",
  "disconnect",
  "cleanup",
  "monitor",
  "config",
  "doctor",
  "import",
  "completions",
];

const CASES: string[][] = [
  // Help and version, in every spelling.
  [],
  ["--help"],
  ["-h"],
  ["help"],
  ["--version"],
  ["-V"],
  ["list", "--version"],
  ["--db", "x.db", "-V"],
  ["--help", "list"],
  ["list", "-h"],
  ["list", "--bogus", "--help"],
  ["help", "help"],
  ["help", "nosuch"],
  ["help", "config"],
  ["help", "config", "path"],
  ...COMMANDS.map((name) => [name, "--help"]),
  ...COMMANDS.map((name) => ["help", name]),
  ["config", "path", "--help"],
  ["config", "show", "--help"],
  ["config", "check", "--help"],
  ["config", "help", "show"],
  ["clusters", "show", "--help"],
  ["clusters", "help"],
  ["config"],
  // Unknown commands and options, with and without a suggestion.
  ["nosuch"],
  ["lsit"],
  ["sbumit", "local"],
  ["hlp"],
  ["config", "nosuch"],
  ["config", "chek"],
  ["clusters", "shwo"],
  ["--bogus"],
  ["--bogus", "list"],
  ["--verison"],
  ["--dbb", "x", "list"],
  ["-x"],
  ["list", "--bogus"],
  ["list", "--limt", "5"],
  ["list", "--jsn"],
  ["list", "--no-refrsh"],
  ["list", "--config-x"],
  ["list", "-z"],
  ["list", "-a"],
  ["status", "--all", "abc"],
  ["submit", "local", "--tme", "5"],
  ["submit", "local", "--after-okk", "x"],
  ["monitor", "-x"],
  ["monitor", "-nx"],
  ["config", "show", "--jsno"],
  ["cleanup", "--no-keep-failed"],
  // Arguments: missing, too many.
  ["logs"],
  ["status"],
  ["inspect"],
  ["cancel"],
  ["connect"],
  ["disconnect"],
  ["import"],
  ["completions"],
  ["clusters", "show"],
  ["inspect", "a", "local", "b"],
  ["list", "a", "b"],
  ["history", "slurm", "x"],
  ["refresh", "x"],
  ["clusters", "x", "y"],
  ["config", "path", "x"],
  ["completions", "bash", "zsh"],
  ["connect", "a", "b"],
  // Option values: missing, invalid, in every form.
  ["submit", "local", "--time"],
  ["list", "--limit"],
  ["--db"],
  ["--config"],
  ["list", "--limit", "0"],
  ["list", "--limit", "abc"],
  ["list", "--limit", "-5"],
  ["list", "--limit=0"],
  ["list", "--limit=", "--no-refresh"],
  ["list", "--state", "nope"],
  ["list", "--state=nope"],
  ["monitor", "-r", "0"],
  ["monitor", "-n0"],
  ["monitor", "-n", "5x"],
  ["history", "--limit", "1e3"],
  ["logs", "x", "--stream", "nope"],
  ["logs", "x", "--tail", "-1"],
  ["submit", "local", "--retry-on-exit-code", "300", "--", "true"],
  ["submit", "local", "--env", "novalue", "--", "true"],
  ["submit", "local", "--cpus", "0", "--", "true"],
  ["import", "x", "--cluster-map", "bad"],
  // What the parser hands the commands (a store in a fresh MOLQ_HOME).
  ["list", "--no-refresh"],
  ["list", "--all", "--no-refresh", "--json"],
  ["list", "--no-refresh", "--limit=3", "--json"],
  ["--db=$HOME/other.db", "list", "--no-refresh", "--all"],
  ["list", "--no-refresh", "--db", "$HOME/other.db"],
  ["history", "--json"],
  ["history", "local", "--limit", "5", "--all"],
  ["list", "slurm", "--no-refresh", "--state", "failed"],
  ["list", "--", "x"],
  ["status", "abc", "--", "x"],
  ["submit", "--name"],
  ["submit", "local", "--name", "--json"],
  ["cleanup", "--dry-run", "--no-keep-failed-dirs"],
  ["cleanup", "--dry-run", "--keep-failed-dirs", "--json"],
  ["clusters", "--json"],
  ["config", "check"],
  ["completions", "fish"],
  ["completions", "zsh"],
  ["completions", "bash"],
  ["completions", "tcsh"],
  ["status", "--no-refresh", "--json", "abc", "local"],
  ["watch", "--all", "--json", "--timeout", "1s"],
  ["daemon", "--status"],
  // Commands and options added since the first recording.
  ["list", "--usage", "--no-refresh"],
  ["list", "--all", "--usage", "--json", "--no-refresh"],
  ["list", "--usag"],
  ["report"],
  ["report", "--run", "sweep", "--no-refresh"],
  ["report", "--bogus"],
  ["report", "abc", "--no-refresh", "--json"],
  ["submit", "sge", "--bogus"],
];

interface Recorded {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
}

/** Paths of the sandbox, written as `$HOME` and `$CWD` so the recording is portable. */
function normalise(result: MolqResult, home: string, cwd: string): Omit<Recorded, "args"> {
  const clean = (text: string) => text.replaceAll(home, "$HOME").replaceAll(cwd, "$CWD");
  return { code: result.code, stdout: clean(result.stdout), stderr: clean(result.stderr) };
}

async function runCase(args: string[]): Promise<Recorded> {
  const box = sandbox();
  const real = args.map((arg) => arg.replaceAll("$HOME", box.home));
  return { args, ...normalise(await box.molq(real), box.home, box.cwd) };
}

/** Runs the cases a few at a time (each is a whole process). */
async function runAll(): Promise<Recorded[]> {
  const results: Recorded[] = new Array(CASES.length);
  let next = 0;
  const worker = async () => {
    while (next < CASES.length) {
      const index = next++;
      results[index] = await runCase(CASES[index]!);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return results;
}

if (RECORD) {
  Deno.test("record the command line's outputs", async () => {
    const results = await runAll();
    Deno.writeTextFileSync(GOLDEN, JSON.stringify(results, null, 2) + "\n");
  });
} else {
  Deno.test("the command line prints what commander printed, for every recorded case", async () => {
    const golden: Recorded[] = JSON.parse(Deno.readTextFileSync(GOLDEN));
    assert.deepEqual(golden.map((g) => g.args), CASES, "the recording covers exactly the cases");
    const results = await runAll();
    for (const [i, expected] of golden.entries()) {
      assert.deepEqual(results[i], expected, `molq ${expected.args.join(" ")}`);
    }
  });
}
