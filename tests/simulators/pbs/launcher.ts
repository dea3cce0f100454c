/**
 * One job's life on the simulated PBS server: wait for dependencies (held), run the
 * script (each subjob of an array in parallel), enforce walltime and qdel, record the
 * outcome with PBS exit-status semantics. Started detached by qsub: `launcher.ts STATE ID`.
 */
import { canWrite, runJob, type RunJobResult } from "../common/run_job.ts";
import { clock, ctime, envNumber, sleep, writeJsonAtomic } from "../common/sim_state.ts";
import {
  deleteRequested,
  formatJobId,
  isFinished,
  loadJob,
  parseJobRef,
  type PbsJob,
  type PbsRun,
  pgidFile,
  runFile,
  taskOutputPath,
  taskViews,
} from "./pbs_model.ts";

const POLL_MS = 150;

const [state, idText] = Deno.args;
const job = state && idText ? loadJob(state, Number(idText)) : undefined;
if (!state || !job) throw new Error("usage: launcher.ts STATE_DIR JOB_ID");
const killGraceMs = envNumber("PBS_SIM_KILL_DELAY", 2) * 1000;

let running = 0;
const maxRunning = job.array?.maxRunning ?? Infinity;
await Promise.all((job.array?.indices ?? [null]).map((index) => runTask(state, job, index)));

async function runTask(state: string, job: PbsJob, index: number | null): Promise<void> {
  const record = (run: PbsRun) => writeJsonAtomic(runFile(state, job.id, index), run);
  let held = false;
  for (;;) {
    if (deleteRequested(state, job.id, index)) return record({ phase: "F", endedAt: Date.now() });
    const verdict = dependencyVerdict(state, job);
    if (verdict === "ok" && running < maxRunning) break;
    if (verdict !== "ok" && verdict !== "wait") {
      const comment = job.flavour === "pro"
        ? `Job deleted as result of dependency on job ${verdict}`
        : undefined;
      return record({ phase: "F", endedAt: Date.now(), comment });
    }
    if (!held && verdict === "wait") record({ phase: "H" });
    held = held || verdict === "wait";
    await sleep(POLL_MS);
  }
  running++;
  const startedAt = Date.now();
  const ran = `Job run at ${ctime(startedAt).slice(0, 16)} on (${job.server}:ncpus=1)`;
  const stdoutPath = taskOutputPath(job, "o", index);
  const stderrPath = taskOutputPath(job, "e", index);
  if (!canWrite(stdoutPath) || !canWrite(stderrPath)) {
    running--;
    const comment = `${ran} and failed: cannot open the output or error path`;
    return record({ phase: "F", startedAt, endedAt: Date.now(), exitStatus: -1, comment });
  }
  record({ phase: "R", startedAt });
  const result = await runJob({
    script: job.script,
    cwd: Deno.env.get("HOME") ?? "/",
    env: jobEnvironment(job, index),
    stdoutPath,
    stderrPath,
    pgidFile: pgidFile(state, job.id, index),
    limitSeconds: job.walltimeSeconds,
    killGraceMs,
    killRequested: () => deleteRequested(state, job.id, index),
  });
  running--;
  const endedAt = Date.now();
  record({
    phase: "F",
    startedAt,
    endedAt,
    cpuSeconds: result.cpuSeconds,
    peakRssKb: result.peakRssKb,
    ...outcome(job, result, ran, endedAt - startedAt),
  });
}

function outcome(
  job: PbsJob,
  result: RunJobResult,
  ran: string,
  usedMs: number,
): { exitStatus: number; comment?: string } {
  const pro = job.flavour === "pro";
  if (result.endedBy === "limit") {
    const limit = clock(job.walltimeSeconds ?? 0);
    const comment = `${ran} and terminated: walltime ${
      clock(usedMs / 1000)
    } exceeded limit ${limit}`;
    return pro ? { exitStatus: -29, comment } : { exitStatus: -11 }; // JOB_EXEC_KILL_WALLTIME / OVERLIMIT_WT
  }
  const signalled = result.signal !== null && result.code > 128;
  const exitStatus = signalled ? 256 + (result.code - 128) : result.code;
  if (!pro) return { exitStatus };
  return { exitStatus, comment: `${ran} and ${signalled ? "terminated" : "finished"}` };
}

function jobEnvironment(job: PbsJob, index: number | null): Record<string, string> {
  const env: Record<string, string> = {
    PBS_JOBID: formatJobId(job, index),
    PBS_JOBNAME: job.name,
    PBS_O_WORKDIR: job.cwd,
    PBS_QUEUE: job.queue,
    PBS_ENVIRONMENT: "PBS_BATCH",
  };
  if (index !== null && job.flavour === "pro") {
    env.PBS_ARRAY_INDEX = String(index);
    env.PBS_ARRAY_ID = formatJobId(job, "all");
  }
  if (index !== null && job.flavour === "torque") env.PBS_ARRAYID = String(index);
  return env;
}

/** "ok", "wait", or the id of the job whose outcome makes the dependency impossible. */
function dependencyVerdict(state: string, job: PbsJob): "ok" | "wait" | string {
  let verdict = "ok";
  for (const dependency of job.depends) {
    for (const text of dependency.refs) {
      const ref = parseJobRef(text);
      const upstream = ref ? loadJob(state, ref.id) : undefined;
      if (!upstream) return text;
      const tasks = taskViews(state, upstream);
      const done = tasks.every((t) => isFinished(t.letter));
      const ok = tasks.every((t) => t.run?.exitStatus === 0);
      const started = tasks.some((t) => t.run?.startedAt !== undefined);
      const upstreamId = formatJobId(upstream, upstream.array ? "all" : null);
      const satisfied = {
        after: started,
        afterok: done && ok,
        afternotok: done && !ok,
        afterany: done,
      }[dependency.kind];
      if (satisfied) continue;
      const impossible = done && (dependency.kind !== "afterany");
      if (impossible) return upstreamId;
      verdict = "wait";
    }
  }
  return verdict;
}
