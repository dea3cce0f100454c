/**
 * kill -9 of molq at random points of submit, refresh and cleanup, then a normal refresh:
 * the store is intact, no record is lost or half-written, and a submission that was cut
 * short is either tracked or `failed` saying so, never left `created`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { JobStore } from "../src/store/job_store.ts";
import { sampleRecord } from "../src/testing/sample_record.ts";
import { BINARY_PERMISSIONS, eventually, MAIN, sandbox } from "./_molq.ts";
import { exists } from "../src/testing/exists.ts";

type Json = Record<string, unknown>;
type Box = ReturnType<typeof sandbox>;

const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];
const RANK: Record<string, number> = { created: 0, submitted: 1, queued: 2, running: 3 };
const ROUNDS_PER_KIND = 30;
const MAX_KILL_DELAY_MS = 300;
/** Short enough that the final refresh judges every interrupted submission. */
const SUBMIT_GRACE = "2s";
const DAY_MS = 86_400_000;

interface Outcome {
  kind: string;
  killed: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts molq and sends it SIGKILL after `delayMs` (if it has not ended by then). */
async function runAndKill(box: Box, args: string[], delayMs: number): Promise<Outcome> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...BINARY_PERMISSIONS, MAIN, ...args],
    cwd: box.cwd,
    env: { ...box.env, INIT_CWD: "", MOLQ_CALLER_CWD: "" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already ended
    }
  }, delayMs);
  const output = await child.output();
  clearTimeout(timer);
  return {
    kind: args[0]!,
    killed: output.signal === "SIGKILL",
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

function helpLists(help: string, command: string): boolean {
  return new RegExp(`^\\s+${command}\\b`, "m").test(help);
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** Old finished records (with directories) for cleanup to remove while it is being killed. */
function seedOldRecords(box: Box, count: number): { ids: string[]; dirs: string[] } {
  const store = JobStore.open(join(box.home, "jobs.db"));
  const ids: string[] = [];
  const dirs: string[] = [];
  const finishedAt = Date.now() - 200 * DAY_MS;
  for (let i = 0; i < count; i++) {
    const jobId = crypto.randomUUID();
    const jobDir = join(box.cwd, "old-jobs", jobId);
    Deno.mkdirSync(jobDir, { recursive: true });
    Deno.writeTextFileSync(join(jobDir, "stdout.log"), "old output\n".repeat(100));
    store.insert(sampleRecord({
      jobId,
      createdAt: finishedAt - 1000,
      state: "succeeded",
      schedulerJobId: "1",
      submittedAt: finishedAt - 1000,
      finishedAt,
      exitCode: 0,
      jobDir,
      metadata: { "molq.job_dir": jobDir, "molq.stdout_path": join(jobDir, "stdout.log") },
    }));
    ids.push(jobId);
    dirs.push(jobDir);
  }
  store.close();
  return { ids, dirs };
}

Deno.test("kill -9 during submit, refresh and cleanup loses no record and leaves none half-written", async () => {
  const box = sandbox({ MOLQ_SUBMIT_GRACE: SUBMIT_GRACE });
  const help = (await box.molq(["--help"])).stdout;
  const hasCleanup = helpLists(help, "cleanup");
  if (!hasCleanup) {
    console.log("NOTE: `molq cleanup` does not exist yet; killing submit and refresh only.");
  }
  // Some jobs before the storm, so refresh has work, plus old records for cleanup.
  const confirmed = new Set<string>();
  for (let i = 0; i < 3; i++) {
    confirmed.add((await box.json<Json>(["submit", "local", "--", "sleep", "1"])).job_id as string);
  }
  const old = hasCleanup ? seedOldRecords(box, 40) : { ids: [], dirs: [] };

  const kinds = ["submit", "refresh", ...(hasCleanup ? ["cleanup"] : [])];
  const rounds = kinds.flatMap((kind) => Array.from({ length: ROUNDS_PER_KIND }, () => kind))
    .sort(() => Math.random() - 0.5);
  const outcomes: Outcome[] = [];
  let n = 0;
  for (const kind of rounds) {
    n++;
    const exitCode = n % 4 === 0 ? 3 : 0;
    const args = kind === "submit"
      ? [
        "submit",
        "local",
        "--json",
        "--name",
        `k${n}`,
        "--",
        "sh",
        "-c",
        `sleep 0.2; exit ${exitCode}`,
      ]
      : kind === "refresh"
      ? ["refresh", "--force"]
      : ["cleanup"];
    const outcome = await runAndKill(box, args, Math.random() * MAX_KILL_DELAY_MS);
    outcomes.push(outcome);
    if (kind === "submit" && !outcome.killed && outcome.code === 0) {
      confirmed.add((JSON.parse(outcome.stdout) as Json).job_id as string);
    }
  }
  const killed = outcomes.filter((o) => o.killed);
  console.log(
    `${outcomes.length} runs, ${killed.length} killed (${
      kinds.map((k) => `${k}: ${killed.filter((o) => o.kind === k).length}`).join(", ")
    })`,
  );
  for (const o of outcomes.filter((o) => !o.killed)) {
    assert.equal(o.code, 0, `an unkilled ${o.kind} failed: ${o.stderr}`);
  }
  for (const o of outcomes) {
    assert.doesNotMatch(o.stderr, /internal error|database is locked|^\s+at /m, o.stderr);
  }

  // The store opens and is consistent, whatever was killed where.
  const db = join(box.home, "jobs.db");
  await new Promise((r) => setTimeout(r, 2_500)); // past the submit grace
  const refresh = await box.molq(["refresh", "--force"]);
  assert.equal(refresh.code, 0, refresh.stderr);
  const check = new DatabaseSync(db);
  const integrity = check.prepare("PRAGMA integrity_check").get() as { integrity_check: string };
  assert.equal(integrity.integrity_check, "ok");
  const orphans = check.prepare(
    `SELECT (SELECT count(*) FROM transitions WHERE job_id NOT IN (SELECT job_id FROM jobs)) AS t,
            (SELECT count(*) FROM dependencies WHERE job_id NOT IN (SELECT job_id FROM jobs)) AS d`,
  ).get() as { t: number; d: number };
  check.close();
  assert.deepEqual({ ...orphans }, { t: 0, d: 0 }, "no history without its record");

  // Every record ends, and how it ends matches what the job left behind.
  const records = await eventually(
    async () => {
      await box.molq(["refresh", "--force"]);
      const all = await box.json<Json[]>(["list", "--all", "--limit", "100000", "--no-refresh"]);
      return all.every((r) => TERMINAL.includes(r.state as string)) ? all : undefined;
    },
    60_000,
    "every record to reach a final state",
  );
  const byId = new Map(records.map((r) => [r.job_id as string, r]));
  for (const id of confirmed) assert.ok(byId.has(id), `confirmed submission ${id} has a record`);
  let interrupted = 0;
  let interruptedButRan = 0;
  for (const record of records) {
    const id = record.job_id as string;
    if (old.ids.includes(id)) continue;
    const jobDir = (record.metadata as Record<string, string>)["molq.job_dir"]!;
    const exitText = readText(join(jobDir, "exit_code"));
    if (record.scheduler_job_id === null) {
      interrupted++;
      const transitions = (await box.json<Json>(["inspect", id])).transitions as Json[];
      assert.match(String(transitions.at(-1)!.reason), /interrupted/, id);
      if (exitText === null) {
        // Cut short before the job started: failed, and saying so.
        assert.equal(record.state, "failed", `${id} without a scheduler id`);
        assert.match(record.failure_reason as string, /interrupted before/, id);
        continue;
      }
      // Killed after the job started but before its id was written: its exit code decides.
      interruptedButRan++;
    }
    assert.notEqual(exitText, null, `${id} was accepted, so its job wrote an exit code`);
    const code = Number(exitText!.trim());
    assert.equal(record.state, code === 0 ? "succeeded" : "failed", `${id} exit ${code}`);
    assert.equal(record.exit_code, code, id);
    const name = record.name as string | null;
    if (name) assert.equal(code, Number(name.slice(1)) % 4 === 0 ? 3 : 0, `${name} did as asked`);
  }
  console.log(
    `${records.length} records: ${interrupted} submissions interrupted (${interruptedButRan} after their job started)`,
  );
  // Job directories without a record: only from a kill between writing the directory and
  // the record, so their job never started.
  const jobsDir = join(box.cwd, ".molq", "jobs");
  for (const entry of Deno.readDirSync(jobsDir)) {
    if (byId.has(entry.name)) continue;
    const dir = join(jobsDir, entry.name);
    assert.ok(
      !exists(join(dir, "started_at")) && !exists(join(dir, "exit_code")),
      `job ${entry.name} ran without a record`,
    );
  }
  // Transitions only ever move forward.
  for (const record of records.filter((r) => !old.ids.includes(r.job_id as string))) {
    const inspect = await box.json<Json>(["inspect", record.job_id as string]);
    assertForward(inspect);
  }
  if (hasCleanup) {
    // Old records are either gone with their directory, or still whole; a normal cleanup ends it.
    const cleanup = await box.molq(["cleanup"]);
    assert.equal(cleanup.code, 0, cleanup.stderr);
    const left = await box.json<Json[]>(["list", "--all", "--limit", "100000", "--no-refresh"]);
    const leftIds = new Set(left.map((r) => r.job_id as string));
    assert.deepEqual(old.ids.filter((id) => leftIds.has(id)), [], "old records removed");
    assert.deepEqual(old.dirs.filter(exists), [], "old directories removed");
    for (const id of byId.keys()) {
      if (!old.ids.includes(id)) assert.ok(leftIds.has(id), `recent record ${id} kept`);
    }
  }
});

/** created first, each step from the previous state, strictly forward, ending in the record's state. */
function assertForward(inspect: Json): void {
  const steps = inspect.transitions as { from: string | null; to: string }[];
  const id = inspect.job_id as string;
  assert.ok(steps.length > 0, id);
  assert.equal(steps[0]!.from, null, id);
  for (let i = 1; i < steps.length; i++) {
    const [before, after] = [steps[i - 1]!, steps[i]!];
    assert.equal(after.from, before.to, `${id}: ${JSON.stringify(steps)}`);
    assert.ok(!TERMINAL.includes(before.to), `${id} left a final state: ${JSON.stringify(steps)}`);
    const rank = (s: string) => RANK[s] ?? 4;
    assert.ok(rank(after.to) > rank(before.to), `${id} went backwards: ${JSON.stringify(steps)}`);
  }
  assert.equal(steps.at(-1)!.to, inspect.state, id);
}

Deno.test("an interrupted submission is judged by what its job left behind", async () => {
  // What a kill between the steps of a submission leaves: records without a scheduler id.
  const box = sandbox({ MOLQ_SUBMIT_GRACE: "1s", MOLQ_LOST_GRACE: "1s" });
  const store = JobStore.open(join(box.home, "jobs.db"));
  const createdAt = Date.now() - 10_000;
  const startedAt = Math.floor((Date.now() - 5_000) / 1000);
  const cases = [
    { name: "never-started", files: {} },
    { name: "ran-ok", files: { started_at: `${startedAt}\n`, exit_code: "0\n" } },
    { name: "ran-failed", files: { started_at: `${startedAt}\n`, exit_code: "3\n" } },
    { name: "started-no-exit", files: { started_at: `${startedAt}\n` } },
  ];
  const ids = new Map<string, string>();
  for (const { name, files } of cases) {
    const jobId = crypto.randomUUID();
    const jobDir = join(box.cwd, ".molq", "jobs", jobId);
    Deno.mkdirSync(jobDir, { recursive: true });
    for (const [file, text] of Object.entries(files)) {
      Deno.writeTextFileSync(join(jobDir, file), text);
    }
    store.insert(
      sampleRecord({ jobId, name, createdAt, jobDir, metadata: { "molq.job_dir": jobDir } }),
    );
    ids.set(name, jobId);
  }
  store.close();
  const refresh = await box.molq(["refresh", "--force"]);
  assert.equal(refresh.code, 0, refresh.stderr);
  const state = async (name: string) => await box.json<Json>(["inspect", ids.get(name)!]);
  const never = await state("never-started");
  assert.equal(never.state, "failed");
  assert.equal(
    never.failure_reason,
    "The submission was interrupted before the scheduler accepted the job.",
  );
  const ok = await state("ran-ok");
  assert.deepEqual([ok.state, ok.exit_code, ok.failure_reason], ["succeeded", 0, null]);
  assert.match(
    String((ok.transitions as Json[]).at(-1)!.reason),
    /interrupted after the job started/,
  );
  const failed = await state("ran-failed");
  assert.deepEqual([failed.state, failed.exit_code], ["failed", 3]);
  assert.match(
    failed.failure_reason as string,
    /^Exited with code 3\. The submission was interrupted/,
  );
  const lost = await state("started-no-exit");
  assert.equal(lost.state, "lost");
  assert.match(lost.failure_reason as string, /never recorded an exit code/);
});
