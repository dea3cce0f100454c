/** End to end: the real CLI entry point against real local processes and a real store file. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually, exitCodeWritten, MAIN, ROOT, runMolq, sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;

async function submit(box: ReturnType<typeof sandbox>, args: string[]): Promise<string> {
  const record = await box.json<Json>(["submit", "local", ...args]);
  return record.job_id as string;
}

async function finalRecord(box: ReturnType<typeof sandbox>, id: string): Promise<Json> {
  return await eventually(
    async () => {
      const record = await box.json<Json>(["status", id]);
      return ["succeeded", "failed", "cancelled", "timed_out", "lost"].includes(
          record.state as string,
        )
        ? record
        : undefined;
    },
    30_000,
    `job ${id} to finish`,
  );
}

/** `pid: command line` of every live process whose command line contains `marker`. */
async function processesMentioning(marker: string): Promise<string[]> {
  const output = await new Deno.Command("ps", { args: ["-A", "-o", "pid=,stat=,args="] }).output();
  return new TextDecoder().decode(output.stdout).split("\n")
    .map((line) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray =>
      m !== null && !m[2]!.startsWith("Z") && m[3]!.includes(marker)
    )
    .map((m) => `${m[1]}: ${m[3]!.trim()}`);
}

Deno.test("molq submit local runs a job to success and records it", async () => {
  const box = sandbox();
  const id = await submit(box, ["--name", "hello", "--", "sh", "-c", "echo hi"]);
  const record = await finalRecord(box, id.slice(0, 8));
  assert.equal(record.state, "succeeded");
  assert.equal(record.exit_code, 0);
  assert.equal(record.name, "hello");
  // Milliseconds, in order: handed over, started (the wrapper's clock), finished.
  const [submitted, started, finished] = ["submitted_at", "started_at", "finished_at"].map((key) =>
    Date.parse(String(record[key]))
  ) as [number, number, number];
  assert.ok(submitted <= started && started <= finished, `${submitted} ${started} ${finished}`);
  assert.ok(started % 1000 !== 0 || finished % 1000 !== 0, "millisecond precision");
  const metadata = record.metadata as Record<string, string>;
  assert.equal(metadata["molq.job_dir"], join(box.cwd, ".molq", "jobs", id));
  assert.equal(metadata["molq.stdout_path"], join(box.cwd, ".molq", "jobs", id, "stdout.log"));
  assert.equal(Deno.statSync(metadata["molq.job_dir"]!).mode! & 0o777, 0o700);
  assert.equal(Deno.statSync(join(box.home, "jobs.db")).mode! & 0o777, 0o600);
  const logs = await box.molq(["logs", id, "local", "--stream", "stdout"]);
  assert.equal(logs.stdout, "hi\n");
});

Deno.test("a failing job is failed with its exit code, and both logs read back", async () => {
  const box = sandbox();
  const id = await submit(box, ["--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
  const record = await finalRecord(box, id);
  assert.equal(record.state, "failed");
  assert.equal(record.exit_code, 3);
  assert.equal(record.failure_reason, "Exited with code 3.");
  assert.equal((await box.molq(["logs", id, "local", "--stream", "stdout"])).stdout, "out\n");
  assert.equal((await box.molq(["logs", id, "--stream", "stderr"])).stdout, "err\n");
  const both = await box.molq(["logs", id, "--stream", "both"]);
  assert.match(
    both.stdout,
    /==> stdout: .*stdout\.log <==\nout\n==> stderr: .*stderr\.log <==\nerr\n/,
  );
  const tail = await box.molq(["logs", id, "--stream", "stdout", "--tail", "1"]);
  assert.equal(tail.stdout, "out\n");
});

Deno.test("cancel ends a job and every process it spawned", async () => {
  const box = sandbox();
  // Unusual sleep lengths mark this job's processes: a child, a grandchild and the main one.
  const seconds = 100_000 + Math.floor(Math.random() * 100_000);
  const marker = `sleep ${seconds}`;
  const script = `${marker}1 & sh -c '${marker}2' & ${marker}3`;
  const id = await submit(box, ["--command", script]);
  await eventually(
    async () =>
      (await processesMentioning(marker)).filter((p) => /^\d+: sleep \d+$/.test(p)).length ===
        3 || undefined,
    10_000,
    "job start",
  );
  const cancel = await box.molq(["cancel", id.slice(0, 10)]);
  assert.equal(cancel.code, 0, cancel.stderr);
  const record = await box.json<Json>(["status", id]);
  assert.equal(record.state, "cancelled");
  await eventually(
    async () => (await processesMentioning(marker)).length === 0 || undefined,
    10_000,
    "no survivors",
  );
  const jobDir = (record.metadata as Record<string, string>)["molq.job_dir"]!;
  const wrapperPid = Number(record.scheduler_job_id);
  assert.ok(!(await processesMentioning(jobDir)).some((p) => p.startsWith(`${wrapperPid}:`)));
  const again = await box.molq(["cancel", id]);
  assert.equal(again.code, 1);
  assert.match(
    again.stderr,
    /^molq: Cannot cancel job "[0-9a-f]{8}": job is already finished \(cancelled\)\.\n$/,
  );
});

Deno.test("a job that exits 0 on TERM is still cancelled: the signal step wrote its marker first", async () => {
  const box = sandbox();
  const id = await submit(box, ["--command", "trap 'exit 0' TERM; sleep 300 & wait"]);
  await eventually(
    async () => (await box.json<Json>(["status", id])).state === "running" || undefined,
    10_000,
    "the job to run",
  );
  const before = Date.now();
  const cancel = await box.molq(["cancel", id]);
  assert.equal(cancel.code, 0, cancel.stderr);
  await exitCodeWritten(box, id);
  const record = await box.json<Json>(["status", id]);
  assert.equal(record.state, "cancelled");
  const jobDir = (record.metadata as Record<string, string>)["molq.job_dir"]!;
  const marker = join(jobDir, "cancelled");
  assert.equal(Deno.statSync(marker).mode! & 0o777, 0o600);
  const at = Number(Deno.readTextFileSync(marker).trim());
  assert.ok(at >= Math.floor(before / 1000) * 1000 && at <= Date.now(), `marker time ${at}`);
  // A later pass reads the job's own files (exit code 0 and the marker): still cancelled.
  assert.equal((await box.molq(["refresh", "--force"])).code, 0);
  assert.equal((await box.json<Json>(["status", id])).state, "cancelled");
});

Deno.test("cancel of a job that ended since the last pass keeps its result and says so", async () => {
  const box = sandbox();
  const id = await submit(box, ["--command", "echo result; exit 0"]);
  await exitCodeWritten(box, id);
  const before = await box.json<Json>(["status", id, "--no-refresh"]);
  assert.notEqual(before.state, "succeeded", "no pass has recorded the end yet");
  const cancel = await box.molq(["cancel", id]);
  assert.equal(cancel.code, 1, cancel.stdout);
  assert.equal(
    cancel.stderr,
    `molq: Cannot cancel job "${id.slice(0, 8)}": job is already finished (succeeded).\n`,
  );
  const after = await box.json<Json>(["status", id, "--no-refresh"]);
  assert.equal(after.state, "succeeded");
  assert.equal(after.exit_code, 0);
});

Deno.test("output cut short by its reader (molq logs ID | head) ends quietly, exit 0", async () => {
  const box = sandbox();
  const id = await submit(box, ["--command", "seq 1 300000"]);
  assert.equal((await finalRecord(box, id)).state, "succeeded");
  const headOne = ["bash", "-c", '"$@" | head -n 1 >/dev/null; exit ${PIPESTATUS[0]}', "pipe"];
  const piped = await runMolq(["logs", id], { cwd: box.cwd, env: box.env, wrapper: headOne });
  assert.equal(piped.stderr, "", "no internal error");
  assert.equal(piped.code, 0);
});

Deno.test("--time 2s on sleep 30 ends timed_out", async () => {
  const box = sandbox();
  const id = await submit(box, ["--time", "2s", "--", "sleep", "30"]);
  const record = await finalRecord(box, id);
  assert.equal(record.state, "timed_out");
  assert.match(record.failure_reason as string, /time limit/);
});

Deno.test("logs --follow streams a running job and ends when it finishes", async () => {
  const box = sandbox();
  const id = await submit(box, ["--command", "for i in 1 2 3; do echo line$i; sleep 0.5; done"]);
  const result = await box.molq(["logs", id, "--follow"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "line1\nline2\nline3\n");
});

Deno.test("kill -9 of a job's wrapper still resolves the job honestly", async () => {
  const box = sandbox();
  const id = await submit(box, ["--", "sleep", "30"]);
  const record = await box.json<Json>(["status", id]);
  const pid = Number(record.scheduler_job_id);
  await eventually(
    async () => (await processesMentioning("sleep 30")).length > 0 || undefined,
    10_000,
    "start",
  );
  Deno.kill(pid, "SIGKILL");
  // The command itself still runs in the job's process group: molq must not call it finished.
  const during = await eventually(
    async () => {
      const r = await box.json<Json>(["status", id]);
      return r.state_detail ? r : undefined;
    },
    10_000,
    "the next pass",
  );
  assert.equal(during.state, "running");
  assert.match(during.state_detail as string, /wrapper gone/);
  Deno.kill(-pid, "SIGKILL");
  const final = await finalRecord(box, id);
  assert.equal(final.state, "failed");
  assert.match(final.failure_reason as string, /ended without recording an exit code/);
});

Deno.test("four submit loops and a refresh loop: 200 records, right states, no lock errors", async () => {
  const box = sandbox();
  const submitter = (n: number) => {
    const script = `for i in $(seq 1 50); do
      if [ $((i % 5)) -eq 0 ]; then c="exit 4"; else c="true"; fi
      deno run --quiet --allow-read --allow-write --allow-run --allow-env --allow-sys ${MAIN} \
        submit local --name "p${n}-$i" --command "$c" >/dev/null || echo "submit failed $i" >&2
    done`;
    return new Deno.Command("bash", {
      args: ["-c", script],
      cwd: box.cwd,
      env: box.env,
      stderr: "piped",
      stdout: "piped",
    })
      .output();
  };
  const stop = { done: false };
  const refresher = (async () => {
    let errors = "";
    while (!stop.done) {
      const r = await box.molq(["refresh", "--quiet"]);
      errors += r.stderr;
    }
    return errors;
  })();
  const outputs = await Promise.all([1, 2, 3, 4].map(submitter));
  stop.done = true;
  const refreshErrors = await refresher;
  const stderr = outputs.map((o) => new TextDecoder().decode(o.stderr)).join("") + refreshErrors;
  assert.doesNotMatch(stderr, /locked|busy|submit failed|internal error/i);
  const records = await eventually(
    async () => {
      const all = await box.json<Json[]>(["list", "--all", "--limit", "1000"]);
      return all.every((r) => r.state === "succeeded" || r.state === "failed") ? all : undefined;
    },
    60_000,
    "all 200 jobs to finish",
  );
  assert.equal(records.length, 200);
  const names = new Set(records.map((r) => r.name));
  assert.equal(names.size, 200);
  for (const r of records) {
    const i = Number((r.name as string).split("-")[1]);
    assert.equal(r.state, i % 5 === 0 ? "failed" : "succeeded", `${r.name}`);
    assert.equal(r.exit_code, i % 5 === 0 ? 4 : 0);
  }
});

Deno.test("usage errors exit 2 with one sentence; unknown and ambiguous ids too", async () => {
  const box = sandbox();
  const cases: [string[], RegExp][] = [
    [["submit", "local", "--mem", "8X", "--", "true"], /^molq: Invalid memory size "8X": expected/],
    [
      ["submit", "local", "--time", "soon", "--", "true"],
      /^molq: Invalid --time "soon": expected/,
    ],
    [["submit", "nosuch", "--", "true"], /^molq: Unknown scheduler "nosuch"/],
    [["submit", "local"], /^molq: No command given/],
    [
      ["submit", "local", "--partition", "gpu", "--gpus", "1", "--", "true"],
      /^molq: The local scheduler does not support --gpus, --partition\.$/m,
    ],
    [["status", "abcdef"], /^molq: Unknown job "abcdef": no job id starts with it\.$/m],
    [["list", "--bogus"], /^molq: unknown option '--bogus'/],
    [["logs"], /^molq: missing required argument 'job-id'/],
  ];
  for (const [args, message] of cases) {
    const result = await box.molq(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(" "));
    assert.doesNotMatch(result.stderr, / {4}at /, "no stack trace");
  }
  await submit(box, ["--", "true"]);
  await submit(box, ["--", "true"]);
  const ambiguous = await box.molq(["status", ""]);
  assert.equal(ambiguous.code, 2);
});

Deno.test("deno task molq submits in the caller's directory", async () => {
  const box = sandbox();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "--cwd", ROOT, "molq", "submit", "local", "--json", "--", "pwd"],
    cwd: box.cwd,
    env: { ...box.env, INIT_CWD: box.cwd },
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const record = JSON.parse(text.slice(text.indexOf("{")));
  assert.equal(record.cwd, box.cwd);
  const final = await finalRecord(box, record.job_id);
  assert.equal(final.state, "succeeded");
  assert.equal((await box.molq(["logs", record.job_id])).stdout, `${box.cwd}\n`);
});

Deno.test("refresh of a known cluster with no jobs yet does nothing, quietly for cron, exit 0", async () => {
  const box = sandbox();
  const quiet = await box.molq(["refresh", "--cluster", "slurm", "--quiet"]);
  assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, "", ""]);
  const said = await box.molq(["refresh", "--cluster", "pbs"]);
  assert.deepEqual([said.code, said.stdout], [0, 'No jobs recorded for cluster "pbs" yet.\n']);
  assert.deepEqual(await box.json(["refresh", "--cluster", "local"]), []);
  const unknown = await box.molq(["refresh", "--cluster", "nosuch"]);
  assert.equal(unknown.code, 2, "an unknown name is still an error");
});
