import assert from "node:assert/strict";
import type { TrackedJob } from "./scheduler.ts";
import { gatherJobFiles } from "./job_files_snapshot.ts";
import { localRunner } from "../process/local_runner.ts";
import { parseQstatXml } from "./sge_parse.ts";
import { parseQacctOutput } from "./sge_qacct.ts";
import {
  AccountingIndex,
  needsJobFiles,
  observeSgeJobs,
  QueueIndex,
  SGE_ARRAY_FILE,
  splitSgeId,
} from "./sge_observe.ts";

const sample = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/sge/${name}`, import.meta.url));

async function withDirs(
  files: Record<string, Record<string, string>>,
  test: (dirs: Record<string, string>) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "molq-sge-observe-" });
  const dirs: Record<string, string> = {};
  try {
    for (const [name, contents] of Object.entries(files)) {
      dirs[name] = `${root}/${name}`;
      await Deno.mkdir(dirs[name]!);
      for (const [file, text] of Object.entries(contents)) {
        await Deno.writeTextFile(`${dirs[name]}/${file}`, text);
      }
    }
    await test(dirs);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

function job(
  jobId: string,
  schedulerJobId: string,
  jobDir: string,
  extra: Partial<TrackedJob> = {},
) {
  return {
    jobId,
    schedulerJobId,
    jobDir,
    state: "submitted",
    submittedAt: null,
    timeLimitSeconds: null,
    arrayTaskId: null,
    array: null,
    ...extra,
  } as TrackedJob;
}

async function observe(
  jobs: TrackedJob[],
  queue: QueueIndex,
  accounting: AccountingIndex | null,
) {
  const files = await gatherJobFiles(localRunner, jobs.map((j) => j.jobDir));
  return observeSgeJobs(jobs, { queue, files, errors: new Map(), accounting });
}

const mixed = () => new QueueIndex(parseQstatXml(sample("qstat-xml-soge-mixed.xml")));

Deno.test("observeSgeJobs(): qstat wins while it lists a job, even over an exit code file", async () => {
  await withDirs({ a: { exit_code: "0\n" }, b: {} }, async (d) => {
    const result = await observe([job("a", "5", d.a!), job("b", "7", d.b!)], mixed(), null);
    assert.equal(result.observations.get("a")!.state, "running");
    assert.deepEqual(
      [result.observations.get("b")!.state, result.observations.get("b")!.detail],
      ["queued", "held (hqw)"],
    );
    assert.deepEqual(result.askAccounting, []);
  });
});

Deno.test("observeSgeJobs(): a job gone from qstat is settled by its files, else by accounting", async () => {
  await withDirs(
    { ok: { exit_code: "0\n" }, bad: { exit_code: "3\n" }, gone: {}, cut: { cancelled: "1\n" } },
    async (d) => {
      const jobs = [
        job("ok", "100", d.ok!),
        job("bad", "101", d.bad!),
        job("gone", "1", d.gone!),
        job("cut", "102", d.cut!),
      ];
      const first = await observe(jobs, mixed(), null);
      assert.deepEqual(first.observations.get("ok")!.state, "succeeded");
      assert.deepEqual(
        [first.observations.get("bad")!.state, first.observations.get("bad")!.exitCode],
        ["failed", 3],
      );
      assert.equal(first.observations.get("cut")!.state, "cancelled");
      assert.deepEqual(first.askAccounting.map((j) => j.jobId), ["gone"]);
      assert.equal(first.observations.has("gone"), false);
      const accounting = new AccountingIndex();
      accounting.add(parseQacctOutput(sample("qacct-soge-exit3.txt")));
      const second = await observe(jobs, mixed(), accounting);
      assert.deepEqual(
        [second.observations.get("gone")!.state, second.observations.get("gone")!.exitCode],
        ["failed", 3],
      );
      // No record yet (accounting lags): no observation, so the reconciler keeps waiting.
      const none = await observe(jobs, mixed(), new AccountingIndex());
      assert.equal(none.observations.has("gone"), false);
    },
  );
});

Deno.test("observeSgeJobs(): an array reports every task at once, unseen ones as submitted", async () => {
  await withDirs(
    {
      arr: {
        [SGE_ARRAY_FILE]: JSON.stringify({ stdoutPath: "/l/out.log", stderrPath: "/l/err.log" }),
        "exit_code.1": "0\n",
        "exit_code.2": "5\n",
      },
    },
    async (d) => {
      const xml = sample("qstat-xml-soge-mixed.xml").replaceAll(
        "<JB_job_number>9</JB_job_number>",
        "<JB_job_number>90</JB_job_number>",
      ).replace(
        "</job_info>\n</job_info>",
        `    <job_list state="pending">
      <JB_job_number>40</JB_job_number><state>qw</state><tasks>4-5:1</tasks>
    </job_list>
  </job_info>
</job_info>`,
      );
      const queue = new QueueIndex(parseQstatXml(xml));
      const parent = job("p", "40", d.arr!, { array: "1-6" });
      const result = await observe([parent], queue, null);
      assert.deepEqual(
        result.newArrayTasks.map((t) => [t.taskId, t.schedulerJobId, t.observation.state]),
        [
          ["1", "40.1", "succeeded"],
          ["2", "40.2", "failed"],
          ["3", "40.3", "submitted"],
          ["4", "40.4", "queued"],
          ["5", "40.5", "queued"],
          ["6", "40.6", "submitted"],
        ],
      );
      assert.deepEqual(
        [result.newArrayTasks[1]!.stdoutPath, result.newArrayTasks[1]!.stderrPath],
        ["/l/out.2.log", "/l/err.2.log"],
      );
      assert.deepEqual(result.observations.get("p"), {
        state: "running",
        detail: "2 of 6 array tasks finished",
      });
      assert.deepEqual(result.askAccounting, [], "the array's own record asks for nothing");
      // A task's own record: listed, by evidence, or via accounting.
      const task3 = job("t3", "40.3", d.arr!, { arrayTaskId: "3" });
      const task4 = job("t4", "40.4", d.arr!, { arrayTaskId: "4" });
      const tasks = await observe([task3, task4], queue, null);
      assert.deepEqual(tasks.askAccounting.map((j) => j.jobId), ["t3"]);
      assert.equal(tasks.observations.get("t4")!.state, "queued");
      const accounting = new AccountingIndex();
      accounting.add(
        parseQacctOutput(
          sample("qacct-soge-array.txt").replaceAll(/^jobnumber +9 *$/gm, "jobnumber 40"),
        ),
      );
      const settled = await observe([task3], queue, accounting);
      assert.equal(settled.observations.get("t3")!.state, "succeeded");
    },
  );
});

Deno.test("observeSgeJobs(): a job that ran and waits again (Eqw) stays running, with the reason", async () => {
  await withDirs({ a: {} }, async (d) => {
    const eqw = mixed(); // job 8 is Eqw
    const files = await gatherJobFiles(localRunner, [d.a!]);
    const errors = new Map([["8", new Map([["1", "error: can't open output file"]])]]);
    const seen = (state: TrackedJob["state"]) =>
      observeSgeJobs([job("a", "8", d.a!, { state })], {
        queue: eqw,
        files,
        errors,
        accounting: null,
      })
        .observations.get("a")!;
    assert.equal(seen("running").state, "running");
    assert.match(seen("running").detail!, /^error state Eqw: error: can't open output file; /);
    assert.equal(seen("submitted").state, "queued");
  });
});

Deno.test("needsJobFiles() reads the files of arrays and of jobs qstat does not list", () => {
  const queue = mixed();
  assert.equal(needsJobFiles(job("a", "5", "/x"), queue), false);
  assert.equal(needsJobFiles(job("a", "55", "/x"), queue), true);
  assert.equal(needsJobFiles(job("a", "5", "/x", { array: "1-2" }), queue), true);
  assert.deepEqual(splitSgeId("12.3"), { jobNumber: "12", taskId: "3" });
  assert.deepEqual(splitSgeId("12"), { jobNumber: "12", taskId: null });
});
