/**
 * Privacy through the real CLI: the store and its directory are private whatever the
 * umask, job directories too, and `--env` values never show up in molq's output, in
 * the job's logs or on process command lines.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { BINARY_PERMISSIONS, eventually, MAIN, type MolqResult, sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;

const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];

function mode(path: string): number {
  return Deno.statSync(path).mode! & 0o777;
}

/** Runs molq under `umask 000`, so only explicit modes keep files private. */
async function molqUmask0(box: ReturnType<typeof sandbox>, args: string[]): Promise<MolqResult> {
  const quoted = [Deno.execPath(), "run", "--quiet", ...BINARY_PERMISSIONS, MAIN, ...args]
    .map((a) => `'${a.replaceAll("'", `'"'"'`)}'`).join(" ");
  const output = await new Deno.Command("sh", {
    args: ["-c", `umask 000; exec ${quoted}`],
    cwd: box.cwd,
    env: box.env,
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

Deno.test("the store, ~/.molq and job directories are private even under umask 000", async () => {
  const box = sandbox();
  const submitted = await molqUmask0(box, [
    "submit",
    "local",
    "--json",
    "--",
    "sh",
    "-c",
    "echo hi",
  ]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const record = JSON.parse(submitted.stdout) as Json;
  const db = join(box.home, "jobs.db");
  assert.equal(mode(box.home), 0o700, "~/.molq");
  assert.equal(mode(db), 0o600, "jobs.db");
  const jobDir = (record.metadata as Record<string, string>)["molq.job_dir"]!;
  assert.equal(mode(jobDir), 0o700, "job directory");
  assert.equal(mode(join(box.cwd, ".molq")), 0o700, "./.molq");
  assert.equal(mode(join(box.cwd, ".molq", "jobs")), 0o700, "./.molq/jobs");
  for (const name of ["job.sh", "manifest.json"]) {
    assert.equal(mode(join(jobDir, name)) & 0o077, 0, `${name} is private`);
  }
  // The WAL and shared-memory files SQLite keeps beside the store while it is open.
  const holder = new DatabaseSync(db);
  holder.prepare("SELECT count(*) FROM jobs").get();
  const again = await molqUmask0(box, ["submit", "local", "--", "true"]);
  assert.equal(again.code, 0, again.stderr);
  for (const suffix of ["-wal", "-shm"]) {
    assert.equal(mode(db + suffix) & 0o077, 0, `jobs.db${suffix} is private`);
  }
  holder.close();
  // A second job directory in the same tree is private too.
  const second = await box.json<Json[]>(["list", "--all", "--no-refresh"]);
  for (const r of second) {
    assert.equal(mode((r.metadata as Record<string, string>)["molq.job_dir"]!), 0o700);
  }
});

Deno.test("--env values never appear in molq's output, the job's logs or command lines", async () => {
  const box = sandbox();
  const secret = `s3cret-${crypto.randomUUID()}`;
  const other = `other-${crypto.randomUUID()}`;
  const outputs: { what: string; text: string }[] = [];
  const run = async (args: string[], expectCode = 0) => {
    const result = await box.molq(args);
    assert.equal(result.code, expectCode, `${args.join(" ")}: ${result.stderr}`);
    outputs.push({ what: args.join(" "), text: result.stdout + result.stderr });
    return result;
  };
  const envFlags = ["--env", `API_TOKEN=${secret}`, "--env", `OTHER=${other}`];
  const human = await run([
    "submit",
    "local",
    ...envFlags,
    "--",
    "sh",
    "-c",
    'echo "token length ${#API_TOKEN}"; echo to-stderr >&2; sleep 2',
  ]);
  const id = human.stdout.split(/\s+/)[0]!;
  const json = await run(["submit", "local", "--json", ...envFlags, "--", "true"]);
  const jsonId = (JSON.parse(json.stdout) as Json).job_id as string;

  // While the first job runs, its processes' command lines hold no value.
  const record = await box.json<Json>(["status", id]);
  const pgid = Number(record.scheduler_job_id);
  const commandLines = await eventually(
    async () => {
      const lines = await groupCommandLines(pgid);
      return lines.some((l) => l.includes("sleep")) ? lines : undefined;
    },
    10_000,
    "the job to start",
  );
  for (const line of commandLines) {
    assert.ok(!line.includes(secret) && !line.includes(other), `command line leaks: ${line}`);
  }

  for (const args of [["list"], ["list", "--json"], ["status", id], ["status", id, "--json"]]) {
    await run(args);
  }
  await eventually(
    async () => {
      const r = await box.json<Json>(["status", id]);
      return TERMINAL.includes(r.state as string) ? r : undefined;
    },
    30_000,
    "the job to finish",
  );
  const inspect = await run(["inspect", id]);
  assert.match(inspect.stdout, /env keys\s+API_TOKEN, OTHER/);
  const inspectJson = await run(["inspect", jsonId, "--json"]);
  assert.deepEqual((JSON.parse(inspectJson.stdout) as Json).env_keys, ["API_TOKEN", "OTHER"]);
  for (
    const args of [
      ["list", "--all"],
      ["list", "--all", "--json"],
      ["status", id, jsonId],
      ["status", id, jsonId, "--json"],
      ["logs", id, "--stream", "both"],
      ["watch", id, jsonId, "--json"],
      ["refresh", "--json"],
      ["clusters"],
    ]
  ) {
    await run(args);
  }
  // Bad input next to a value: the error names the key, never the value.
  await run(["submit", "local", "--env", `BAD-NAME=${secret}`, "--", "true"], 2);
  await run(["cancel", id], 1);

  for (const { what, text } of outputs) {
    assert.ok(!text.includes(secret) && !text.includes(other), `molq ${what} printed a value`);
  }
  const metadata = record.metadata as Record<string, string>;
  const logs = Deno.readTextFileSync(metadata["molq.stdout_path"]!) +
    Deno.readTextFileSync(metadata["molq.stderr_path"]!);
  assert.equal(logs, `token length ${secret.length}\nto-stderr\n`);
  const manifest = Deno.readTextFileSync(join(metadata["molq.job_dir"]!, "manifest.json"));
  assert.ok(!manifest.includes(secret), "the manifest holds no value");
});

/**
 * Command lines of every live process in a process group, from `ps`: Deno 2.9 asks for
 * --allow-all before it reads /proc, and the tests run with the binary's permissions.
 */
async function groupCommandLines(pgid: number): Promise<string[]> {
  const output = await new Deno.Command("ps", { args: ["-A", "-o", "pgid=,args="] }).output();
  return new TextDecoder().decode(output.stdout).split("\n")
    .map((line) => /^\s*(\d+)\s(.*)$/.exec(line))
    .filter((match) => match !== null && Number(match[1]) === pgid)
    .map((match) => match![2]!);
}
