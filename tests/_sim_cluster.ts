/**
 * Helpers for the end-to-end CLI tests against the PBS Pro, Torque and LSF simulators
 * (tests/pbs_cli_test.ts, tests/torque_cli_test.ts, tests/lsf_cli_test.ts): a sandbox whose
 * config.toml has a cluster profile pointing at the simulator's commands, with the status
 * commands behind the call-logging, fault-injecting wrappers in tests/fixtures/pbs_lsf/.
 * Simulator settings travel in the sandbox environment, which every molq process passes
 * on to the scheduler commands and they to the jobs' launchers.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually, removeAtExit, ROOT, type Sandbox, sandbox } from "./_molq.ts";

export type Json = Record<string, unknown>;
export type SimKind = "pbs" | "torque" | "lsf";

export const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];
const WRAPPERS = join(ROOT, "tests", "fixtures", "pbs_lsf");
const SIMULATORS = join(ROOT, "tests", "simulators");

export interface SimBoxOptions {
  /** Simulator settings (PBS_SIM_HISTORY, LSF_SIM_CLEAN_PERIOD, ...). */
  settings?: Record<string, string>;
  /** PBS only: the profile's flavour; leave it out to have molq detect it. */
  flavour?: "pro" | "torque";
  /** The profile's `[refresh] command_timeout`. */
  commandTimeout?: string;
  /** The cluster profile's name (default: the simulator kind followed by "sim"). */
  cluster?: string;
}

export interface SimBox extends Sandbox {
  kind: SimKind;
  cluster: string;
  /** The wrapped commands' calls, one `<name> <args>` line each. */
  calls(): string[];
  /** The status queries among them (`qstat`/`bjobs`, not `qstat --version`). */
  statusCalls(): string[];
  /** `molq submit --cluster <cluster> <args> --json`. */
  submit(args: string[]): Promise<Json>;
  /** `molq refresh --json` (with extra args and environment). */
  refresh(args?: string[], env?: Record<string, string>): Promise<Json[]>;
  /** Every stored record by job id, read from the store only. */
  records(): Promise<Map<string, Json>>;
  /** Refreshes until every id has a terminal record; returns all records. */
  settle(ids: readonly string[], timeoutMs?: number): Promise<Map<string, Json>>;
  /** Refreshes until `done` holds for the records; returns them. */
  until(
    done: (records: Map<string, Json>) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<Map<string, Json>>;
  /** `molq clusters --json`, this cluster's row. */
  clusterRow(): Promise<Json>;
  /** Runs one of the simulator's own commands (qstat, bjobs, ...) with this box's settings. */
  simulator(command: string, args: string[]): Promise<{ code: number; stdout: string }>;
  /** Cancels whatever is still active (test clean-up; never throws). */
  cancelActive(): Promise<void>;
}

/** A sandbox with one cluster profile on the given simulator, polled at most every 1 s. */
export function simBox(kind: SimKind, options: SimBoxOptions = {}): SimBox {
  // The simulator's state and the call log live beside the sandbox, private to this box.
  const aux = Deno.makeTempDirSync({ prefix: "molq-sim-cli-" });
  const state = join(aux, "state");
  const callLog = join(aux, "scheduler-calls.log");
  Deno.mkdirSync(state);
  const box = sandbox({
    MOLQ_MIN_POLL_INTERVAL: "1s",
    MOLQ_SIM_STATE: state,
    MOLQ_TEST_CALLS: callLog,
    MOLQ_TEST_SIM: kind,
    ...options.settings,
  });
  removeAtExit(aux); // the sandbox itself is removed by sandbox()
  const cluster = options.cluster ?? `${kind}sim`;
  Deno.mkdirSync(box.home, { recursive: true });
  Deno.writeTextFileSync(join(box.home, "config.toml"), profile(kind, cluster, options));
  const calls = () => {
    try {
      return Deno.readTextFileSync(callLog).split("\n").filter((line) => line !== "");
    } catch {
      return [];
    }
  };
  const records = async () => {
    const all = await box.json<Json[]>(["list", "--all", "--no-refresh", "--limit", "10000"]);
    return new Map(all.map((record) => [record.job_id as string, record]));
  };
  const until = async (
    done: (records: Map<string, Json>) => boolean,
    what: string,
    timeoutMs = 60_000,
  ) => {
    let last = new Map<string, Json>();
    try {
      return await eventually(
        async () => {
          await box.molq(["refresh"]);
          last = await records();
          if (done(last)) return last;
          await new Promise((resolve) => setTimeout(resolve, 500));
          return undefined;
        },
        timeoutMs,
        what,
      );
    } catch (error) {
      const states = [...last.values()].map((r) =>
        `${(r.job_id as string).slice(0, 8)} ${r.scheduler_job_id} ${r.state} ${r.state_detail}`
      );
      throw new Error(`${(error as Error).message}; last records:\n${states.join("\n")}`);
    }
  };
  const sim: SimBox = Object.assign(box, {
    kind,
    cluster,
    calls,
    statusCalls: () =>
      calls().filter((line) => /^(qstat|bjobs) /.test(line) && !line.includes("--version")),
    submit: (args: string[]) => box.json<Json>(["submit", "--cluster", cluster, ...args]),
    async refresh(args: string[] = [], env: Record<string, string> = {}) {
      const result = await box.molq(["refresh", "--json", ...args], { env });
      assert.equal(result.code, 0, `molq refresh failed: ${result.stderr}`);
      return JSON.parse(result.stdout) as Json[];
    },
    records,
    settle: (ids: readonly string[], timeoutMs?: number) =>
      until(
        (all) => ids.every((id) => TERMINAL.includes(all.get(id)?.state as string)),
        `${ids.length} job(s) to end`,
        timeoutMs,
      ),
    until,
    async clusterRow() {
      const rows = await box.json<Json[]>(["clusters"]);
      const row = rows.find((r) => r.name === cluster);
      assert.ok(row, `no clusters row for ${cluster}`);
      return row;
    },
    async simulator(command: string, args: string[]) {
      const output = await new Deno.Command(join(SIMULATORS, kind, "bin", command), {
        args,
        env: box.env,
        stdout: "piped",
        stderr: "null",
      }).output();
      return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
    },
    async cancelActive() {
      try {
        const active = [...(await records()).values()]
          .filter((r) => !TERMINAL.includes(r.state as string) && r.array_job_id === null)
          .map((r) => r.job_id as string);
        if (active.length > 0) await box.molq(["cancel", ...active]);
      } catch {
        // best effort: the simulated jobs end by themselves soon
      }
    },
  });
  return sim;
}

function profile(kind: SimKind, cluster: string, options: SimBoxOptions): string {
  const bin = (name: string) => join(SIMULATORS, kind, "bin", name);
  const wrapped = (name: string) => join(WRAPPERS, name);
  const commands: Record<string, string> = kind === "lsf"
    ? {
      bsub: bin("bsub"),
      bjobs: wrapped("bjobs"),
      bkill: wrapped("bkill"),
      bhist: wrapped("bhist"),
    }
    : { qsub: bin("qsub"), qstat: wrapped("qstat"), qdel: wrapped("qdel") };
  const lines = [`[clusters.${cluster}]`, `scheduler = "${kind === "lsf" ? "lsf" : "pbs"}"`];
  if (options.flavour) lines.push(`flavour = "${options.flavour}"`);
  lines.push(`[clusters.${cluster}.commands]`);
  for (const [name, path] of Object.entries(commands)) lines.push(`${name} = "${path}"`);
  if (options.commandTimeout) {
    lines.push(`[clusters.${cluster}.refresh]`, `command_timeout = "${options.commandTimeout}"`);
  }
  return lines.join("\n") + "\n";
}

/** The job id of a record. */
export const id = (record: Json) => record.job_id as string;

/** Records of an array's tasks, by task index. */
export function tasksOf(records: Map<string, Json>, parentId: string): Json[] {
  return [...records.values()].filter((r) => r.array_job_id === parentId)
    .sort((a, b) => Number(a.array_task_id) - Number(b.array_task_id));
}

/** Runs `body` with a box and cancels whatever it left running, also on failure. */
export async function withBox(box: SimBox, body: (box: SimBox) => Promise<void>): Promise<void> {
  try {
    await body(box);
  } finally {
    await box.cancelActive();
  }
}

/** Runs async functions at most `limit` at a time; results in input order. */
export async function inBatches<T>(
  count: number,
  limit: number,
  make: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export { exists } from "../src/testing/exists.ts";

/** A record's job directory. */
export const jobDir = (record: Json) =>
  (record.metadata as Record<string, string>)["molq.job_dir"]!;

/**
 * The budget, through the CLI: four processes refreshing at once past the minimum
 * interval make one status query between them; then, until every job of the burst has
 * ended, each pass that runs makes exactly one. Returns the number of passes that ran.
 */
export async function refreshBurstToTheEnd(box: SimBox, jobs: Json[]): Promise<number> {
  await sleep(3_100);
  const crowd = await Promise.all(
    Array.from({ length: 4 }, () => box.refresh([], { MOLQ_MIN_POLL_INTERVAL: "3s" })),
  );
  const polled = crowd.flat().filter((p) => p.skipped === false);
  assert.equal(polled.length, 1, JSON.stringify(crowd));
  assert.equal(box.statusCalls().length, 2);
  let passes = 2;
  await eventually(
    async () => {
      await sleep(1100);
      const [pass] = await box.refresh();
      if (pass?.skipped === false) {
        passes++;
        assert.deepEqual([pass.commandCalls, pass.error], [1, null]);
      }
      const records = await box.records();
      return jobs.every((job) => TERMINAL.includes(records.get(id(job))!.state as string))
        ? true
        : undefined;
    },
    90_000,
    "the burst to end",
  );
  assert.equal(box.statusCalls().length, passes);
  return passes;
}
