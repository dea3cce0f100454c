/**
 * End to end on the REAL SLURM through the `molq` CLI, as on a site WITHOUT accounting: the
 * cluster profile's sacct is a wrapper that answers like SLURM without slurmdbd
 * ("Slurm accounting storage is disabled", rc 1), so molq has only the queue and the
 * exit-code files the jobs write. (Jobs purged before the first poll without accounting
 * are in slurm_cli_faults_test.ts.) Without SLURM these tests FAIL unless
 * MOLQ_SLURM_TESTS=skip.
 */
import assert from "node:assert/strict";
import { eventually } from "./_molq.ts";
import { slurmTest } from "./slurm_cluster.ts";
import {
  cleanupTest,
  clusters,
  final,
  profile,
  SACCT_DISABLED,
  slurmBox,
  squeueField,
  status,
  submit,
  until,
} from "./fixtures/slurm/cli.ts";

const CONFIG = profile("noacct", { sacct: SACCT_DISABLED });
const NOACCT = ["--cluster", "noacct"];

slurmTest("CLI on SLURM without accounting: a job succeeds and its logs read back", async () => {
  const box = slurmBox(CONFIG);
  const record = await submit(box, [
    ...NOACCT,
    ...["--cpus", "2", "--mem", "100M", "--time", "5m"],
    ...["--", "sh", "-c", "echo out; echo err >&2"],
  ]);
  assert.equal(record.cluster, "noacct");
  assert.equal(record.scheduler, "slurm");
  const done = await final(box, record.job_id as string);
  assert.deepEqual([done.state, done.exit_code, done.failure_reason], ["succeeded", 0, null]);
  assert.equal((await box.molq(["logs", record.job_id as string])).stdout, "out\n");
  const stderr = await box.molq(["logs", record.job_id as string, "--stream", "stderr"]);
  assert.equal(stderr.stdout, "err\n");
  assert.equal((await clusters(box)).get("noacct")!.last_error, null);
});

slurmTest("CLI on SLURM without accounting: exit 3 is failed with exit code 3", async () => {
  const box = slurmBox(CONFIG);
  const record = await submit(box, [...NOACCT, "--", "sh", "-c", "exit 3"]);
  const done = await final(box, record.job_id as string);
  // squeue says FAILED without an exit code; the job's own exit-code file has it.
  assert.deepEqual([done.state, done.exit_code, done.failure_reason], [
    "failed",
    3,
    "Exited with code 3.",
  ]);
  assert.equal((await clusters(box)).get("noacct")!.last_error, null);
});

slurmTest("CLI on SLURM without accounting: cancelling a running and a held job", async () => {
  const box = slurmBox(CONFIG);
  const running = await submit(box, [...NOACCT, "--", "sleep", "300"]);
  const held = await submit(box, [...NOACCT, "--scheduler-arg=--hold", "--", "sleep", "300"]);
  await until(box, running.job_id as string, (r) => r.state === "running", "running");
  assert.equal((await status(box, held.job_id as string)).state, "queued");
  const cancel = await box.molq(["cancel", running.job_id as string, held.job_id as string]);
  assert.equal(cancel.code, 0, cancel.stderr);
  for (const job of [running, held]) {
    const sid = job.scheduler_job_id as string;
    await eventually(
      async () => (await squeueField(sid, "%T")) === "CANCELLED" || undefined,
      30_000,
      `SLURM to cancel ${sid}`,
    );
    const record = await status(box, job.job_id as string);
    assert.deepEqual([record.state, record.failure_reason], [
      "cancelled",
      "Cancelled by the user.",
    ]);
  }
  assert.equal((await clusters(box)).get("noacct")!.last_error, null);
});

cleanupTest();
