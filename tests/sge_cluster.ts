/**
 * Helpers for the end-to-end tests that drive the real `molq` CLI against the real one-host
 * Son of Grid Engine (scripts/sge-dev-cluster.sh): bring the cell up (it is started when it
 * is not; without it the tests FAIL unless MOLQ_SGE_TESTS=skip), sandboxes with cluster
 * profiles, submission through the CLI, polling a record, and cleaning up every job.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand } from "../src/process/run_command.ts";
import { eventually, type Sandbox, sandbox } from "./_molq.ts";

export type Json = Record<string, unknown>;

export const SKIP = Deno.env.get("MOLQ_SGE_TESTS") === "skip";
const CLUSTER_SCRIPT = fileURLToPath(new URL("../scripts/sge-dev-cluster.sh", import.meta.url));
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "sge");
/** Logs every call to $MOLQ_TEST_CALLS, then runs the real qstat / qacct. */
export const QSTAT_COUNTING = join(FIXTURES, "qstat-counting");
export const QACCT_COUNTING = join(FIXTURES, "qacct-counting");
export const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];

if (SKIP) console.log("MOLQ_SGE_TESTS=skip: the Grid Engine CLI tests are ignored.");

/** What preparing the cell found; read after `ready` settled. */
const cell = { startedHere: false };
export const ready: Promise<void> = SKIP ? Promise.resolve() : prepareCell();
ready.catch(() => {}); // reported by every test that awaits it

async function prepareCell(): Promise<void> {
  const status = await runCommand([CLUSTER_SCRIPT, "status"], { allowFailure: true });
  if (status.code === 0) return;
  const start = await runCommand([CLUSTER_SCRIPT, "start"], {
    allowFailure: true,
    timeoutMs: 300_000,
  });
  if (start.code !== 0) {
    throw new Error(
      `Grid Engine is not reachable and "${CLUSTER_SCRIPT} start" failed (exit ${start.code}): ${start.stderr.trim()}; set MOLQ_SGE_TESTS=skip to skip the Grid Engine tests.`,
    );
  }
  cell.startedHere = true;
}

export function sgeTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: SKIP,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      await ready;
      await fn();
    },
  });
}

/** Every Grid Engine job these tests submitted, and every sandbox: both cleaned up at the end. */
const submittedIds = new Set<string>();
const sandboxDirs: string[] = [];
// A safety net for runs that skip the clean-up test (--filter) or die early.
globalThis.addEventListener("unload", () => {
  if (submittedIds.size === 0) return;
  try {
    new Deno.Command("qdel", { args: [...submittedIds], stdout: "null", stderr: "null" })
      .outputSync();
  } catch {
    // nothing more to do while exiting
  }
});

/**
 * A private MOLQ_HOME polled every 1 s at most, with `config` as its config.toml and
 * $MOLQ_TEST_CALLS pointing at a call log the fixture wrappers append to.
 */
export function sgeBox(config = ""): Sandbox & { calls: () => string[] } {
  const box = sandbox({ MOLQ_MIN_POLL_INTERVAL: "1s" });
  const base = dirname(box.home);
  sandboxDirs.push(base);
  const callLog = join(base, "scheduler-calls.log");
  box.env.MOLQ_TEST_CALLS = callLog;
  Deno.mkdirSync(box.home, { recursive: true });
  if (config) Deno.writeTextFileSync(join(box.home, "config.toml"), config);
  const calls = () => {
    try {
      return Deno.readTextFileSync(callLog).split("\n").filter((line) => line !== "");
    } catch {
      return [];
    }
  };
  return Object.assign(box, { calls });
}

/** An sge cluster profile named `name` whose commands are the given wrappers. */
export function profile(name: string, commands: Record<string, string>): string {
  const lines = [`[clusters.${name}]`, `scheduler = "sge"`, `[clusters.${name}.commands]`];
  for (const [command, path] of Object.entries(commands)) lines.push(`${command} = "${path}"`);
  return lines.join("\n") + "\n";
}

/** `molq submit <args> --json`; the Grid Engine id is remembered for the final qdel. */
export async function submit(box: Sandbox, args: string[]): Promise<Json> {
  const record = await box.json<Json>(["submit", ...args]);
  if (typeof record.scheduler_job_id === "string") submittedIds.add(record.scheduler_job_id);
  return record;
}

/** Remembers a job id that reached Grid Engine some other way (released dependents). */
export function remember(schedulerJobId: unknown): void {
  if (typeof schedulerJobId === "string") submittedIds.add(schedulerJobId);
}

/** `molq status --json ID` (which refreshes the job's cluster first). */
export function status(box: Sandbox, id: string): Promise<Json> {
  return box.json<Json>(["status", id]);
}

/** Polls `molq status` until the record satisfies `done`. */
export async function until(
  box: Sandbox,
  id: string,
  done: (record: Json) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<Json> {
  let last: Json = {};
  try {
    return await eventually(
      async () => {
        last = await status(box, id);
        remember(last.scheduler_job_id);
        return done(last) ? last : undefined;
      },
      timeoutMs,
      what,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last record: ${JSON.stringify(last)}`);
  }
}

export function final(box: Sandbox, id: string, timeoutMs?: number): Promise<Json> {
  return until(box, id, (r) => TERMINAL.includes(r.state as string), `${id} to end`, timeoutMs);
}

/** Every stored record by molq job id, read from the store only (no scheduler query). */
export async function stored(box: Sandbox): Promise<Map<string, Json>> {
  const all = await box.json<Json[]>(["list", "--all", "--no-refresh", "--limit", "10000"]);
  return new Map(all.map((record) => [record.job_id as string, record]));
}

/** The records of an array's tasks, by task index, from the store only. */
export async function arrayTasks(box: Sandbox, parentId: string): Promise<Json[]> {
  return [...(await stored(box)).values()].filter((r) => r.array_job_id === parentId)
    .sort((a, b) => Number(a.array_task_id) - Number(b.array_task_id));
}

/** Job numbers (and task ids) Grid Engine lists right now for this user, read directly. */
export async function listed(): Promise<Set<string>> {
  const result = await runCommand(["qstat", "-u", "*"], { allowFailure: true });
  if (result.code !== 0) throw new Error(`qstat failed: ${result.stderr}`);
  return new Set(
    result.stdout.split("\n").slice(2).map((line) => line.trim().split(/\s+/)[0] ?? "")
      .filter((id) => id !== ""),
  );
}

/** Waits until qstat lists none of these job numbers. */
export async function waitUntilGone(ids: string[], timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      const now = await listed();
      return ids.every((id) => !now.has(id)) || undefined;
    },
    timeoutMs,
    `Grid Engine to forget ${ids.join(",")}`,
  );
}

/** What `qstat -j ID` says about a job Grid Engine still lists. */
export async function qstatJob(id: string): Promise<string> {
  return (await runCommand(["qstat", "-j", id], { allowFailure: true })).stdout;
}

/** Runs scripts/sge-dev-cluster.sh with one command (stop-qmaster, start-qmaster, ...). */
export async function devCluster(command: string): Promise<void> {
  const result = await runCommand([CLUSTER_SCRIPT, command], {
    allowFailure: true,
    timeoutMs: 120_000,
  });
  if (result.code !== 0) {
    throw new Error(`sge-dev-cluster.sh ${command} failed: ${result.stderr || result.stdout}`);
  }
}

/**
 * The last test of the file: deletes every job it submitted (qdel ignores finished ones),
 * removes the sandboxes, and stops the cell if this file started it.
 */
export function cleanupTest(): void {
  Deno.test({
    name: "Grid Engine CLI tests clean up: every submitted job deleted, sandboxes removed",
    ignore: SKIP,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      await ready.catch(() => {});
      if (submittedIds.size > 0) {
        await runCommand(["qdel", ...submittedIds], { allowFailure: true });
        submittedIds.clear();
      }
      for (const dir of sandboxDirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
      if (cell.startedHere) {
        await runCommand([CLUSTER_SCRIPT, "stop"], { timeoutMs: 120_000 });
      }
    },
  });
}
