/**
 * Local jobs that are really running, for the benchmarks' stores: each has its job
 * directory with what a started job has written (its script, scheduler id, host, start
 * time, logs) and a live wrapper process, in its own session as molq starts them, that
 * stops itself so thousands of them cost no CPU. `stop()` kills them.
 */
import { join } from "node:path";
import type { HostIdentity } from "../src/core/host_identity.ts";
import { gatherJobFiles } from "../src/schedulers/job_files_snapshot.ts";
import { localRunner } from "../src/process/local_runner.ts";

export interface RunningLocalJob {
  jobId: string;
  jobDir: string;
  /** The wrapper's pid, which is also its process group: molq's scheduler job id. */
  pid: number;
  startedAt: number;
}

export interface RunningLocalJobs {
  jobs: RunningLocalJob[];
  host: HostIdentity;
  stop(): Promise<void>;
}

/** The wrapper: records its pid as the real one does, then waits stopped (no CPU). */
const JOB_SCRIPT = `#!/bin/sh
# molq benchmark job: started, running, waiting for the benchmark to end.
printf '%s\\n' "$$" >"\${0%/job.sh}/scheduler_id"
kill -STOP $$
`;

/** Starts `count` jobs under `jobsDir` (one directory per job id) and waits until each runs. */
export async function startLocalJobs(jobsDir: string, count: number): Promise<RunningLocalJobs> {
  const host = (await gatherJobFiles(localRunner, [])).host;
  const now = Date.now();
  const jobs: RunningLocalJob[] = [];
  for (let i = 0; i < count; i++) {
    const jobId = crypto.randomUUID();
    const jobDir = join(jobsDir, jobId);
    Deno.mkdirSync(jobDir, { recursive: true, mode: 0o700 });
    const startedAt = now - (count - i) * 1_000;
    Deno.writeTextFileSync(join(jobDir, "job.sh"), JOB_SCRIPT, { mode: 0o700 });
    Deno.writeTextFileSync(join(jobDir, "host"), `${host.hostname} ${host.bootId ?? ""}\n`);
    Deno.writeTextFileSync(join(jobDir, "started_at"), `${startedAt}\n`);
    Deno.writeTextFileSync(join(jobDir, "stdout.log"), `epoch 1/50 loss 0.93\n`);
    Deno.writeTextFileSync(join(jobDir, "stderr.log"), "");
    jobs.push({ jobId, jobDir, pid: 0, startedAt });
  }
  // One shell starts them all as molq does: in the job's directory, `setsid` giving each
  // wrapper its own session and group.
  const list = join(jobsDir, "job-scripts.txt");
  Deno.writeTextFileSync(list, jobs.map((job) => join(job.jobDir, "job.sh")).join("\n") + "\n");
  const start = await new Deno.Command("sh", {
    args: [
      "-c",
      'while read -r s; do (cd "${s%/*}" && exec setsid sh "$s" </dev/null >/dev/null 2>&1) & done <"$1"',
      "sh",
      list,
    ],
    stdin: "null",
  }).output();
  if (!start.success) {
    throw new Error(`Cannot start the benchmark's local jobs (exit ${start.code}).`);
  }
  const running = {
    jobs,
    host,
    stop: () => killAll(jobs),
  };
  try {
    const deadline = Date.now() + 120_000;
    for (const job of jobs) {
      while (job.pid === 0) {
        const text = readOptional(join(job.jobDir, "scheduler_id"));
        if (text) job.pid = Number(text);
        else if (Date.now() > deadline) throw new Error(`The job in ${job.jobDir} never started.`);
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}

async function killAll(jobs: RunningLocalJob[]): Promise<void> {
  const pids = jobs.map((job) => job.pid).filter((pid) => pid > 0);
  for (let i = 0; i < pids.length; i += 500) {
    // A stopped process dies of KILL; nothing else is signalled.
    await new Deno.Command("kill", { args: ["-KILL", ...pids.slice(i, i + 500).map(String)] })
      .output();
  }
}

function readOptional(path: string): string | null {
  try {
    return Deno.readTextFileSync(path).trim() || null;
  } catch {
    return null;
  }
}
