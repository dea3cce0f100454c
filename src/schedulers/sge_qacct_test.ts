import assert from "node:assert/strict";
import { parseQacctAmount, parseQacctDate, parseQacctOutput, qacctBeginTime } from "./sge_qacct.ts";

const sample = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/sge/${name}`, import.meta.url));

Deno.test("parseQacctOutput() reads SoGE's record of a job that exited with 3", () => {
  const [record, ...rest] = parseQacctOutput(sample("qacct-soge-exit3.txt"));
  assert.equal(rest.length, 0);
  assert.deepEqual(record, {
    jobNumber: "1",
    taskId: null,
    failed: 0,
    failedText: null,
    exitStatus: 3,
    startedAt: new Date(2026, 11, 1, 23, 47, 44).getTime(),
    finishedAt: new Date(2026, 11, 1, 23, 47, 45).getTime(),
    wallclockSeconds: 1,
    cpuSeconds: 0.011,
    maxvmemBytes: 0,
    slots: 1,
    deletedBy: null,
  });
});

Deno.test("parseQacctOutput() reads failed codes with their text and exit statuses with (Killed)", () => {
  const [timedOut] = parseQacctOutput(sample("qacct-soge-h-rt.txt"));
  assert.deepEqual([timedOut!.failed, timedOut!.failedText, timedOut!.exitStatus], [
    37,
    "qmaster enforced h_rt, h_cpu, or h_vmem limit",
    137,
  ]);
  assert.equal(timedOut!.wallclockSeconds, 4);
  const [deleted] = parseQacctOutput(sample("qacct-soge-qdel-running.txt"));
  assert.deepEqual([deleted!.failed, deleted!.failedText, deleted!.exitStatus, deleted!.slots], [
    100,
    "assumedly after job",
    137,
    2,
  ]);
  assert.equal(deleted!.maxvmemBytes, Math.round(3.512 * 1024 ** 2));
  const [unstarted] = parseQacctOutput(sample("qacct-soge-failed26.txt"));
  assert.deepEqual(
    [unstarted!.failed, unstarted!.failedText, unstarted!.startedAt, unstarted!.finishedAt],
    [26, "opening input/output file", null, null],
  );
});

Deno.test("parseQacctOutput() reads one record per array task, and skips qacct's summary table", () => {
  const tasks = parseQacctOutput(sample("qacct-soge-array.txt"));
  assert.deepEqual(tasks.map((t) => [t.jobNumber, t.taskId, t.exitStatus]), [
    ["9", "1", 0],
    ["9", "2", 5],
    ["9", "3", 0],
    ["9", "4", 0],
  ]);
  const batch = parseQacctOutput(sample("qacct-soge-batch.txt"));
  assert.equal(batch.length, 22);
  assert.deepEqual(batch.at(-1)!.jobNumber, "26");
  assert.deepEqual(parseQacctOutput(sample("qacct-soge-batch-empty.txt")), []);
  assert.deepEqual(parseQacctOutput(sample("qacct-soge-no-file.stdout")), []);
});

Deno.test("parseQacctOutput() reads the documented SGE 6.2 (bare numbers) and Univa forms", () => {
  const [old] = parseQacctOutput(sample("qacct-sge62-doc.txt"));
  assert.equal(old!.wallclockSeconds, 404);
  assert.equal(old!.cpuSeconds, 404.182);
  assert.equal(old!.maxvmemBytes, Math.round(12.096 * 1024 ** 3));
  assert.equal(old!.startedAt, new Date(2019, 8, 4, 11, 39, 10).getTime());
  assert.equal(old!.slots, 4);
  const [limit, deleted] = parseQacctOutput(sample("qacct-univa-doc.txt"));
  assert.equal(limit!.startedAt, new Date(2019, 2, 29, 11, 17, 26, 283).getTime());
  assert.deepEqual([limit!.failed, limit!.exitStatus, limit!.deletedBy], [37, 137, null]);
  assert.equal(limit!.wallclockSeconds, 3600.618);
  assert.equal(limit!.maxvmemBytes, Math.round(31.505 * 1024 ** 3));
  assert.equal(deleted!.deletedBy, "admin@login1");
});

Deno.test("parseQacctDate() reads ctime and Univa dates, and -/- as none", () => {
  assert.equal(
    parseQacctDate("Wed Sep  4 11:45:54 2019"),
    new Date(2019, 8, 4, 11, 45, 54).getTime(),
  );
  assert.equal(
    parseQacctDate("Tue Dec 15 01:02:03 2026"),
    new Date(2026, 11, 15, 1, 2, 3).getTime(),
  );
  assert.equal(
    parseQacctDate("09/04/2019 11:45:54.120"),
    new Date(2019, 8, 4, 11, 45, 54, 120).getTime(),
  );
  assert.equal(parseQacctDate("-/-"), null);
  assert.equal(parseQacctDate(undefined), null);
  assert.equal(parseQacctDate("Wed Foo  4 11:45:54 2019"), null);
});

Deno.test("parseQacctAmount() reads seconds and 1024-based sizes with and without units", () => {
  assert.equal(parseQacctAmount("43s"), 43);
  assert.equal(parseQacctAmount("0.011s"), 0.011);
  assert.equal(parseQacctAmount("404.182"), 404.182);
  assert.equal(parseQacctAmount("5.867MB"), Math.round(5.867 * 1024 ** 2));
  assert.equal(parseQacctAmount("12.096G"), Math.round(12.096 * 1024 ** 3));
  assert.equal(parseQacctAmount("4.555KB"), Math.round(4.555 * 1024));
  assert.equal(parseQacctAmount("0.000B"), 0);
  assert.equal(parseQacctAmount("undefined"), null);
  assert.equal(parseQacctAmount("1.0XB"), null);
});

Deno.test("qacctBeginTime() writes qacct's -b form in local time", () => {
  assert.equal(qacctBeginTime(new Date(2026, 0, 2, 3, 4, 5).getTime()), "202601020304.05");
});
