/**
 * Hostile strings through the real CLI on the local backend: names, arguments,
 * environment values, working directories and output paths full of quotes, `$()`,
 * backticks, `;`, newlines, leading dashes and unicode reach the job exactly as given,
 * and no shell ever interprets them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually, sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;

const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];
/** `touch <MARKER>N` in a string: a shell that evaluated it leaves that file behind. */
const MARKER = "molq-marker-";

const marker = (n: number) => `${MARKER}${n}`;

/** Several hold a command that would leave a marker file if any shell ever evaluated it. */
function hostileStrings(): string[] {
  return [
    "plain",
    "with space",
    "  leading and trailing  ",
    "",
    "'single' quotes",
    '"double" quotes',
    "it's",
    "'\"'\"'",
    "back\\slash\\",
    `$(touch ${marker(1)})`,
    `\`touch ${marker(2)}\``,
    `; touch ${marker(3)};`,
    `a && touch ${marker(4)} || touch ${marker(4)}`,
    `| touch ${marker(5)}`,
    `line1\nline2\n$(touch ${marker(6)})`,
    "cr\r\nlf",
    "\ttab",
    "${HOME}",
    "$HOME",
    "$1 $@ $* $$ $?",
    "-n",
    "-e",
    "--help",
    "--",
    "-",
    "*",
    "~",
    "!!",
    "#not a comment",
    ">redirect",
    "<redirect",
    "2>&1",
    "%s%n%x%%",
    "\\x41\\0\\n",
    "naïve 日本語 🎉",
    "\u202Eright-to-left",
    "zero\u200Bwidth",
    "e\u0301",
    "\x1b[31mred\x1b[0m",
    "a=b",
    "x".repeat(4096),
  ];
}

async function finished(box: ReturnType<typeof sandbox>, id: string): Promise<Json> {
  return await eventually(
    async () => {
      const record = await box.json<Json>(["status", id]);
      return TERMINAL.includes(record.state as string) ? record : undefined;
    },
    30_000,
    `job ${id} to finish`,
  );
}

/** A program that dumps its argv (NUL-separated), environment and directory. */
function writeDumper(dir: string): string {
  const path = join(dir, "dump $(touch nope) `x`; it's.sh");
  Deno.writeTextFileSync(
    path,
    [
      "#!/bin/sh",
      `printf '%s\\0' "$@" > argv.bin`,
      "env -0 > env.bin",
      `printf '%s' "$PWD" > pwd.txt`,
      "echo out",
      "echo err >&2",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return path;
}

function parseEnv(bytes: Uint8Array): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of new TextDecoder().decode(bytes).split("\0")) {
    const at = entry.indexOf("=");
    if (at > 0) env.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return env;
}

/** Files named like a marker anywhere under `roots`: any means a shell ran something. */
function foundMarkers(roots: string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith(MARKER)) found.push(path);
      if (entry.isDirectory) walk(path);
    }
  };
  roots.forEach(walk);
  return found;
}

Deno.test("the job receives exactly the argv, environment, workdir and output paths given", async () => {
  const box = sandbox();
  const strings = hostileStrings();
  const tools = join(box.cwd, "tools $(touch x) ;");
  Deno.mkdirSync(tools);
  const dumper = writeDumper(tools);
  // A relative workdir with a leading dash, quotes, a newline and a command substitution.
  const workdirName = `-w $(touch ${marker(20)}) \`touch ${marker(21)}\`; 'q' "d"\nnl ü`;
  const workdir = join(box.cwd, workdirName);
  Deno.mkdirSync(workdir);
  const stdoutName = `out $(touch ${marker(22)}) ; 'q'.log`;
  const stderrName = `-err \`touch ${marker(23)}\` "d".log`;
  const env: Record<string, string> = {};
  strings.forEach((value, i) => (env[`HOSTILE_${i}`] = value));
  env.HOSTILE_MULTI = "first\nsecond=third\n";
  const name = `-name $(touch ${marker(24)}) \`touch ${marker(25)}\`; "it's" 🎉`;
  const runLabel = `run; touch ${marker(26)}`;
  const metaValue = `$(touch ${marker(27)})\n'"`;
  const args = [
    "submit",
    "local",
    "--json",
    "--name",
    name,
    "--run",
    runLabel,
    "--meta",
    `note=${metaValue}`,
    `--workdir=${workdirName}`,
    `--stdout=${stdoutName}`,
    `--stderr=${stderrName}`,
    ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
    "--",
    dumper,
    ...strings,
  ];
  const submitted = await box.molq(args);
  assert.equal(submitted.code, 0, submitted.stderr);
  const record = JSON.parse(submitted.stdout) as Json;
  const id = record.job_id as string;
  const final = await finished(box, id);
  assert.equal(final.state, "succeeded", String(final.failure_reason));

  // argv, byte for byte.
  const expectedArgv = new TextEncoder().encode(strings.map((s) => `${s}\0`).join(""));
  assert.deepEqual(Deno.readFileSync(join(workdir, "argv.bin")), expectedArgv);
  // The environment: every value exactly as given.
  const jobEnv = parseEnv(Deno.readFileSync(join(workdir, "env.bin")));
  for (const [key, value] of Object.entries(env)) {
    assert.equal(jobEnv.get(key), value, key);
  }
  // The working directory and the output paths.
  assert.equal(Deno.readTextFileSync(join(workdir, "pwd.txt")), workdir);
  assert.equal(Deno.readTextFileSync(join(workdir, stdoutName)), "out\n");
  assert.equal(Deno.readTextFileSync(join(workdir, stderrName)), "err\n");

  // The record keeps every string as typed.
  const inspect = await box.json<Json>(["inspect", id]);
  assert.equal(inspect.name, name);
  assert.equal(inspect.run_label, runLabel);
  assert.equal(inspect.cwd, workdir);
  const metadata = inspect.metadata as Record<string, string>;
  assert.equal(metadata.note, metaValue);
  assert.equal(metadata["molq.stdout_path"], join(workdir, stdoutName));
  assert.equal(metadata["molq.stderr_path"], join(workdir, stderrName));
  assert.deepEqual(inspect.env_keys, Object.keys(env));
  assert.equal((await box.molq(["logs", id])).stdout, "out\n");
  assert.equal((await box.molq(["logs", id, "--stream", "stderr"])).stdout, "err\n");
  for (
    const view of [["list", "--all"], ["inspect", id], ["status", id], ["list", "--run", runLabel]]
  ) {
    const result = await box.molq(view);
    assert.equal(result.code, 0, `${view.join(" ")}: ${result.stderr}`);
  }

  // No shell ever evaluated anything.
  assert.deepEqual(foundMarkers([join(box.cwd, "..")]), []);
  for (const dir of [box.cwd, workdir, tools]) {
    const stray = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => /^(nope|x)$/.test(n));
    assert.deepEqual(stray, [], dir);
  }
});

Deno.test("a hostile program name and a leading-dash argv run as given, never through a shell", async () => {
  const box = sandbox();
  // A program whose own file name holds shell syntax, with leading-dash arguments.
  const program = join(box.cwd, `-prog $(touch ${marker(1)});'"`);
  Deno.writeTextFileSync(program, `#!/bin/sh\nprintf '%s\\n' "$@"\n`, { mode: 0o755 });
  const record = await box.json<Json>(["submit", "local", "--", program, "-n", "--version", "-e"]);
  const final = await finished(box, record.job_id as string);
  assert.equal(final.state, "succeeded", String(final.failure_reason));
  assert.equal((await box.molq(["logs", record.job_id as string])).stdout, "-n\n--version\n-e\n");
  assert.deepEqual(foundMarkers([join(box.cwd, "..")]), []);
});

Deno.test("--command is the one form handed to a shell, and only as one argument of sh -c", async () => {
  const box = sandbox();
  const command = `printf '%s|' "it's" 'a "b"' && touch ${marker(1)}`;
  const record = await box.json<Json>(["submit", "local", "--command", command]);
  const final = await finished(box, record.job_id as string);
  assert.equal(final.state, "succeeded");
  assert.equal((await box.molq(["logs", record.job_id as string])).stdout, `it's|a "b"|`);
  // The user asked for a shell here: their command ran once, exactly as written.
  assert.deepEqual(foundMarkers([join(box.cwd, "..")]), [join(box.cwd, marker(1))]);
  assert.equal(final.command, command);
});
