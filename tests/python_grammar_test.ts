/**
 * End to end: the Python molq's command grammar on molq, on the local backend (and the PBS
 * simulator where a batch scheduler is needed): a scheduler word after the job ids on every
 * job command, `list`/`history [SCHEDULER]`, `--profile` for `--cluster`, `monitor -n -r`,
 * `watch --all`, and the note for a short bare `--time` sent to a batch scheduler.
 */
import assert from "node:assert/strict";
import { eventually, type MolqResult, sandbox } from "./_molq.ts";
import { id, simBox, withBox } from "./_sim_cluster.ts";

type Json = Record<string, unknown>;
type Box = ReturnType<typeof sandbox>;
const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];

async function submit(box: Box, args: string[]): Promise<string> {
  return (await box.json<Json>(["submit", "local", ...args])).job_id as string;
}

async function finished(box: Box, jobId: string): Promise<Json> {
  return await eventually(
    async () => {
      const record = await box.json<Json>(["status", jobId, "local"]);
      return TERMINAL.includes(record.state as string) ? record : undefined;
    },
    30_000,
    `job ${jobId} to end`,
  );
}

function usage(result: MolqResult, message: RegExp): void {
  const shown = `exit ${result.code}\n${result.stderr}`;
  assert.equal(result.code, 2, shown);
  assert.doesNotMatch(result.stderr, /^\s+at |internal error/m, shown);
  assert.equal(result.stderr.trimEnd().split("\n").length, 1, shown);
  assert.match(result.stderr.trimEnd(), message, shown);
}

Deno.test("status, inspect, logs, watch and cancel take the scheduler word after the ids", async () => {
  const box = sandbox();
  const ok = await submit(box, ["--", "sh", "-c", "echo hi"]);
  const bad = await submit(box, ["--", "sh", "-c", "exit 3"]);
  const long = await submit(box, ["--", "sleep", "60"]);
  await finished(box, ok);
  await finished(box, bad);
  const [a, b] = [ok.slice(0, 8), bad.slice(0, 8)];

  const one = await box.json<Json>(["status", a, "local"]);
  assert.deepEqual([one.job_id, one.state], [ok, "succeeded"]);
  const two = await box.json<Json[]>(["status", a, b, "local", "--no-refresh"]);
  assert.deepEqual(two.map((r) => r.job_id), [ok, bad]);
  const table = await box.molq(["status", a, b, "local"]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^${a}  succeeded`, "m"));
  assert.equal((await box.json<Json>(["status", a, "--profile", "local"])).job_id, ok);
  assert.equal((await box.json<Json>(["status", a, "local", "--cluster", "local"])).job_id, ok);

  const inspected = await box.json<Json>(["inspect", a, "local"]);
  assert.equal(inspected.job_id, ok);
  assert.ok(Array.isArray(inspected.transitions));
  const logs = await box.molq(["logs", a, "local", "--profile", "local", "--stream", "stdout"]);
  assert.equal(logs.stdout, "hi\n");

  assert.equal((await box.molq(["watch", a, "local"])).code, 0);
  const watchedBoth = await box.molq(["watch", a, b, "local", "--json"]);
  assert.equal(watchedBoth.code, 1, "one of them failed");
  assert.deepEqual(JSON.parse(watchedBoth.stdout).map((r: Json) => r.state), [
    "succeeded",
    "failed",
  ]);

  const cancelled = await box.molq(["cancel", long.slice(0, 8), "local"]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.equal(cancelled.stdout, `${long}  cancelled\n`);

  // A word that contradicts the job, or --cluster, is a usage error, as for submit.
  usage(
    await box.molq(["status", a, "slurm"]),
    new RegExp(`^molq: Job "${a}" ran on local, not slurm\\.$`),
  );
  usage(
    await box.molq(["cancel", b, "pbs"]),
    new RegExp(`^molq: Job "${b}" ran on local, not pbs\\.$`),
  );
  usage(await box.molq(["inspect", a, "lsf"]), /ran on local, not lsf\.$/);
  usage(await box.molq(["watch", a, "slurm"]), /ran on local, not slurm\.$/);
  usage(await box.molq(["logs", a, "slurm"]), /ran on local, not slurm\.$/);
  usage(
    await box.molq(["status", a, "local", "--cluster", "slurm"]),
    /^molq: Cluster "slurm" uses the slurm scheduler, not local\.$/,
  );
  usage(
    await box.molq(["status", a, "--cluster", "hpc"]),
    new RegExp(`^molq: Job "${a}" belongs to cluster "local", not "hpc"\\.$`),
  );
  usage(
    await box.molq(["status", a, "--cluster", "local", "--profile", "hpc"]),
    /^molq: --profile is another name for --cluster, so "hpc" and "local" contradict each other\.$/,
  );
  usage(
    await box.molq(["status", "slurm", a]),
    /^molq: The scheduler "slurm" goes once, after the job ids/,
  );
  usage(await box.molq(["status", "local"]), /^molq: missing required argument 'job-id'/);
  usage(await box.molq(["cancel", "slurm"]), /^molq: missing required argument 'job-id'/);
  usage(
    await box.molq(["inspect", a, "condor"]),
    /^molq: Unknown scheduler "condor": expected one of local, slurm, pbs, lsf, sge\.$/,
  );
});

Deno.test("list and history take a scheduler word; history shows attempt, ids, times and exit", async () => {
  const box = sandbox();
  const done = await submit(box, ["--", "sh", "-c", "exit 5"]);
  const active = await submit(box, ["--", "sleep", "60"]);
  try {
    await finished(box, done);
    const mine = await box.json<Json[]>(["list", "local", "--all", "--no-refresh"]);
    assert.deepEqual(mine.map((r) => r.job_id).sort(), [done, active].sort());
    assert.deepEqual(await box.json<Json[]>(["list", "slurm", "--all", "--no-refresh"]), []);
    assert.deepEqual(await box.json<Json[]>(["list", "--profile", "slurm", "--all"]), []);
    assert.equal((await box.json<Json[]>(["list", "local", "--cluster", "local"])).length, 1);
    usage(
      await box.molq(["list", "local", "--cluster", "slurm"]),
      /^molq: Cluster "slurm" uses the slurm scheduler, not local\.$/,
    );
    usage(await box.molq(["list", "slurmm"]), /^molq: Unknown scheduler "slurmm"/);

    const history = await box.json<Json[]>(["history", "local"]);
    assert.deepEqual(history.map((r) => [r.job_id, r.state, r.exit_code]), [[done, "failed", 5]]);
    const all = await box.json<Json[]>(["history", "local", "--all"]);
    assert.deepEqual(all.map((r) => r.job_id), [active, done]);
    const human = await box.molq(["history", "--all"]);
    assert.equal(human.code, 0, human.stderr);
    const [header, ...rows] = human.stdout.trimEnd().split("\n");
    assert.match(
      header!,
      /^ID +STATE +CLUSTER +ATTEMPT +SCHED ID +SUBMITTED +FINISHED +EXIT +COMMAND$/,
    );
    assert.match(
      rows[1]!,
      new RegExp(
        `^${done.slice(0, 8)} +failed +local +1 +\\d+ +\\S+ \\S+ +\\S+ \\S+ +5 +sh -c 'exit 5'$`,
      ),
    );
    assert.match(
      rows[0]!,
      new RegExp(`^${active.slice(0, 8)} +\\w+ +local +1 +\\d+ +\\S+ \\S+ +- +- +sleep 60$`),
    );
    assert.deepEqual(await box.json<Json[]>(["history", "pbs"]), []);
    const none = await box.molq(["history", "pbs"]);
    assert.equal(none.stdout, "No finished jobs (molq history --all shows active ones too).\n");
  } finally {
    await box.molq(["cancel", active]);
  }
});

Deno.test("watch --all waits for every active job, of one cluster with --cluster", async () => {
  const box = sandbox();
  const empty = await box.molq(["watch", "--all"]);
  assert.deepEqual([empty.code, empty.stdout], [0, "No active jobs.\n"]);
  const jobs = [
    await submit(box, ["--", "sh", "-c", "sleep 1"]),
    await submit(box, ["--", "sh", "-c", "sleep 2"]),
  ];
  const watched = await box.molq(["watch", "--all", "--cluster", "local", "--json"]);
  assert.equal(watched.code, 0, watched.stderr);
  const records = JSON.parse(watched.stdout) as Json[];
  assert.deepEqual(records.map((r) => r.job_id).sort(), [...jobs].sort());
  assert.ok(records.every((r) => r.state === "succeeded"));
  const failing = await submit(box, ["--", "sh", "-c", "exit 2"]);
  const bad = await box.molq(["watch", "--all", "local"]);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    new RegExp(`1 of 1 jobs did not succeed: ${failing.slice(0, 8)} failed`),
  );
  const elsewhere = await box.molq(["watch", "--all", "--profile", "slurm"]);
  assert.deepEqual([elsewhere.code, elsewhere.stdout], [0, "No active jobs on slurm.\n"]);
  const unknown = await box.molq(["watch", "--all", "--profile", "hpc"]);
  assert.equal(unknown.code, 2, "a name molq does not know is a typo, not an empty cluster");
  assert.match(unknown.stderr, /^molq: Unknown cluster "hpc": /);
  usage(await box.molq(["watch", jobs[0]!, "--all"]), /^molq: Give job ids or --all, not both\.$/);
  usage(
    await box.molq(["watch"]),
    /^molq: missing required argument 'job-id': name the jobs to watch, or pass --all\.$/,
  );
});

Deno.test("monitor takes -n and -r for --limit and --refresh", async () => {
  const box = sandbox();
  usage(
    await box.molq(["monitor", "-n", "0"]),
    /^molq: Invalid --limit "0": expected a whole number of at least 1\.$/,
  );
  usage(
    await box.molq(["monitor", "-r", "0.1"]),
    /^molq: Invalid --refresh "0\.1": expected seconds from 0\.2 to 3600/,
  );
  // Valid short options get as far as the terminal check (the tests have no terminal).
  const result = await box.molq(["monitor", "-n", "50", "-r", "1.5", "--profile", "local"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^molq: molq monitor needs a terminal/);
});

Deno.test({
  sanitizeOps: false,
  sanitizeResources: false,
  name: "submit notes a short bare --time or --mem for a batch scheduler: seconds and bytes",
  fn: () =>
    withBox(
      simBox("pbs", { flavour: "pro", settings: { PBS_SIM_KILL_DELAY: "1" } }),
      async (box) => {
        const note = "molq: note: --time 60 means 60 seconds; write 60m for minutes.\n";
        const short = await box.molq([
          "submit",
          "--profile",
          box.cluster,
          "--time",
          "60",
          "--json",
          "--",
          // Still in the queue when qstat is asked about it below.
          "sleep",
          "5",
        ]);
        assert.equal(short.code, 0, short.stderr);
        // The first submission to a job directory on this host's own disk also says so.
        const others = short.stderr.split("\n").filter((l) =>
          !l.includes("note: the job directory")
        );
        assert.equal(others.join("\n"), note);
        const record = JSON.parse(short.stdout) as Json;
        const { stdout } = await box.simulator("qstat", [
          "-f",
          "-F",
          "json",
          "-x",
          record.scheduler_job_id as string,
        ]);
        const job =
          (JSON.parse(stdout).Jobs as Record<string, Json>)[record.scheduler_job_id as string]!;
        assert.equal((job.Resource_List as Json).walltime, "00:01:00", "60 seconds, as molq said");
        for (const time of ["600", "60m", "1:00:00", "90s"]) {
          const quiet = await box.molq([
            "submit",
            "--cluster",
            box.cluster,
            "--time",
            time,
            "--",
            "true",
          ]);
          assert.deepEqual([quiet.code, quiet.stderr], [0, ""], `--time ${time}`);
        }
        const local = await box.molq(["submit", "local", "--time", "60", "--", "true"]);
        assert.deepEqual([local.code, local.stderr], [0, ""], "local jobs get no note");
        // The same for --mem: 1024 is bytes to molq, megabytes to a SLURM user's fingers.
        const mem = await box.molq([
          "submit",
          "--cluster",
          box.cluster,
          "--mem",
          "1024",
          "--",
          "true",
        ]);
        assert.equal(mem.code, 0, mem.stderr);
        assert.equal(
          mem.stderr,
          "molq: note: --mem 1024 means 1024 bytes; write 1024M for mebibytes.\n",
        );
        const unit = await box.molq([
          "submit",
          "--cluster",
          box.cluster,
          "--mem",
          "1024M",
          "--",
          "true",
        ]);
        assert.deepEqual([unit.code, unit.stderr], [0, ""], "--mem 1024M");
        await box.settle([id(record)]);
      },
    ),
});

Deno.test("completions know the new commands, options and scheduler words", async () => {
  const box = sandbox();
  for (const shell of ["bash", "zsh", "fish"]) {
    const script = (await box.molq(["completions", shell])).stdout;
    for (const word of ["daemon", "import", "history", "profile", "cluster-map", "interval"]) {
      assert.match(script, new RegExp(`\\b${word}\\b`), `${shell}: ${word}`);
    }
  }
});
