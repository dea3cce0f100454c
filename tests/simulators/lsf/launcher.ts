/**
 * One LSF job's life: pending until its `-w` dependency holds (or terminated as an orphan
 * with `-ti`), then each element runs in parallel; run limit (`-W`, minutes scaled by
 * LSF_SIM_SECONDS_PER_MINUTE) and bkill end it with TERM_RUNLIMIT / TERM_OWNER.
 * Started detached by bsub: `launcher.ts STATE ID`.
 */
import { canWrite, runJob } from "../common/run_job.ts";
import { ctime, envNumber, sleep, writeJsonAtomic } from "../common/sim_state.ts";
import { evaluate } from "./lsf_depend.ts";
import {
  elementName,
  elementViews,
  killRequested,
  loadJob,
  type LsfJob,
  type LsfRun,
  pgidFile,
  resolvePath,
  runFile,
  selectElements,
} from "./lsf_model.ts";

const POLL_MS = 150;
const [state, idText] = Deno.args;
const job = state && idText ? loadJob(state, Number(idText)) : undefined;
if (!state || !job) throw new Error("usage: launcher.ts STATE_DIR JOB_ID");
const killGraceMs = envNumber("LSF_SIM_KILL_DELAY", 2) * 1000;
const secondsPerMinute = envNumber("LSF_SIM_SECONDS_PER_MINUTE", 60);

let running = 0;
const maxRunning = job.array?.maxRunning ?? Infinity;
await Promise.all((job.array?.indices ?? [0]).map((index) => runElement(state, job, index)));

async function runElement(state: string, job: LsfJob, index: number): Promise<void> {
  const record = (run: LsfRun) => writeJsonAtomic(runFile(state, job.id, index), run);
  let lastReason = "";
  for (;;) {
    if (killRequested(state, job.id, index)) {
      const now = Date.now();
      return record({ stat: "EXIT", endedAt: now, killedAt: now, exitReason: "TERM_OWNER" });
    }
    const verdict = job.dependency === null ? "ok" : evaluate(job.dependency, (id, i) => {
      const upstream = loadJob(state, id);
      return upstream ? selectElements(upstream, i, elementViews(state, upstream)) : undefined;
    });
    if (verdict === "never" && job.orphanTerminate) {
      return record({ stat: "EXIT", endedAt: Date.now(), exitReason: "TERM_ORPHAN_SYSTEM" });
    }
    if (verdict === "ok" && running < maxRunning) break;
    const pendReason = verdict === "never"
      ? "Dependency condition invalid or never satisfied"
      : verdict === "wait"
      ? "Job dependency condition not satisfied"
      : "The user has reached the limit of running jobs in this array";
    if (pendReason !== lastReason) record({ stat: "PEND", pendReason });
    lastReason = pendReason;
    await sleep(POLL_MS);
  }
  running++;
  const startedAt = Date.now();
  record({ stat: "RUN", startedAt });
  const stdoutPath = outputPath(job.outputSpec, index);
  const stderrPath = job.errorSpec === null ? stdoutPath : outputPath(job.errorSpec, index);
  const result = await runJob({
    script: job.script,
    cwd: job.cwd,
    env: {
      LSB_JOBID: String(job.id),
      LSB_JOBINDEX: String(index),
      LSB_JOBNAME: elementName(job, index),
      LSB_QUEUE: job.queue,
      LSB_DJOB_NUMPROC: String(job.slots),
      LS_SUBCWD: job.cwd,
    },
    stdoutPath,
    stderrPath,
    pgidFile: pgidFile(state, job.id, index),
    limitSeconds: job.runLimitMinutes === null ? null : job.runLimitMinutes * secondsPerMinute,
    killGraceMs,
    killRequested: () => killRequested(state, job.id, index),
    append: !job.overwriteOutput,
  });
  running--;
  const endedAt = Date.now();
  const ok = result.code === 0 && result.endedBy === "exit";
  const exitReason = result.endedBy === "limit"
    ? "TERM_RUNLIMIT"
    : result.endedBy === "kill"
    ? "TERM_OWNER"
    : undefined;
  appendJobReport(stdoutPath, job, index, ok, result.code, exitReason);
  record({
    stat: ok ? "DONE" : "EXIT",
    startedAt,
    endedAt,
    ...(ok ? {} : { exitCode: result.code }),
    ...(exitReason ? { exitReason } : {}),
    ...(result.endedBy === "kill" ? { killedAt: endedAt } : {}),
    cpuSeconds: result.cpuSeconds,
    peakRssKb: result.peakRssKb,
  });
}

/** Where an element's output goes; without `-o` LSF mails it, so here it is dropped. */
function outputPath(spec: string | null, index: number): string {
  if (spec === null) return "/dev/null";
  const path = resolvePath(spec, job!, index);
  return canWrite(path) ? path : "/dev/null";
}

/** LSF appends a job report to the output file. */
function appendJobReport(
  path: string,
  job: LsfJob,
  index: number,
  ok: boolean,
  code: number,
  reason: string | undefined,
): void {
  if (path === "/dev/null") return;
  const outcome = ok ? "Successfully completed." : `Exited with exit code ${code}.`;
  const report = [
    "",
    "------------------------------------------------------------",
    "Sender: LSF System <lsfadmin@simhost>",
    `Subject: Job ${job.id}${job.array ? `[${index}]` : ""}: <${
      elementName(job, index)
    }> in cluster <sim> ${ok ? "Done" : "Exited"}`,
    "",
    `Job was executed on host(s) <simhost>, in queue <${job.queue}>, as user <${job.user}>.`,
    `Results reported at ${ctime(Date.now())}`,
    "",
    outcome + (reason ? ` (${reason})` : ""),
    "",
  ].join("\n");
  try {
    Deno.writeTextFileSync(path, report, { append: true });
  } catch {
    // the output file went away; the job's outcome is recorded regardless
  }
}
