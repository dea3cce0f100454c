import assert from "node:assert/strict";
import { join } from "node:path";
import { gatherJobFiles, parseSnapshotOutput } from "./job_files_snapshot.ts";
import { localRunner } from "../process/local_runner.ts";

const OUTPUT = [
  "molq-host login1",
  "molq-boot 8ac83e24-7a4a-4a0c-9310-931f1ee50531",
  "molq-ps",
  "    1     1 Ss   /sbin/init",
  "  812   812 S    /bin/sh /home/u/.molq/jobs/a/job.sh",
  "  813   812 Z    [sleep] <defunct>",
  "molq-files",
  "0\tstarted_at\t1796167929729",
  "0\thost\tlogin1 8ac83e24-7a4a-4a0c-9310-931f1ee50531",
  "1\tstarted_at\t1796160000",
  "1\tfinished_at\t1796160005123",
  "1\texit_code\t3",
  "1\tcancelled\t1796160004000",
  "1\texit_code.2\t0",
  "1\tstarted_at.10\t1796160001",
  "molq-end",
  "",
].join("\n");

Deno.test("parseSnapshotOutput() reads the host, its boot id, the process table and the files", () => {
  const snapshot = parseSnapshotOutput(OUTPUT, ["/jobs/a", "/jobs/b"]);
  assert.deepEqual(snapshot.host, {
    hostname: "login1",
    bootId: "8ac83e24-7a4a-4a0c-9310-931f1ee50531",
  });
  assert.equal(snapshot.processes!.commandLine(812), "/bin/sh /home/u/.molq/jobs/a/job.sh");
  assert.equal(snapshot.processes!.commandLine(813), undefined, "zombies have ended");
  assert.deepEqual(snapshot.evidence("/jobs/a"), {
    startedAt: 1796167929729,
    timedOut: false,
    cancelled: false,
    host: { hostname: "login1", bootId: "8ac83e24-7a4a-4a0c-9310-931f1ee50531" },
  });
  assert.deepEqual(snapshot.evidence("/jobs/b"), {
    startedAt: 1796160000000,
    exitCode: 3,
    finishedAt: 1796160005123,
    timedOut: false,
    cancelled: true,
  });
  assert.equal(snapshot.evidence("/jobs/b", "2").exitCode, 0);
  assert.deepEqual(snapshot.taskIds("/jobs/b"), ["2", "10"]);
  assert.deepEqual(snapshot.evidence("/jobs/unknown"), { timedOut: false, cancelled: false });
});

Deno.test("parseSnapshotOutput() refuses an answer cut short, so it never reads as 'no evidence'", () => {
  const truncated = OUTPUT.slice(0, OUTPUT.indexOf("molq-end"));
  assert.throws(() => parseSnapshotOutput(truncated, ["/jobs/a"]), /cut short/);
  assert.throws(() => parseSnapshotOutput("", []), /cut short/);
  assert.throws(() => parseSnapshotOutput("garbage\nmolq-end\n", []), /did not say its name/);
});

Deno.test("parseSnapshotOutput() reports a failed ps instead of an empty process table", () => {
  const failed = "molq-host h\nmolq-boot \nmolq-ps\nmolq-ps-failed 1\nmolq-files\nmolq-end\n";
  assert.throws(() => parseSnapshotOutput(failed, []), /ps failed/);
  const noPs = parseSnapshotOutput("molq-host h\nmolq-boot \nmolq-files\nmolq-end\n", []);
  assert.equal(noPs.processes, null);
  assert.equal(noPs.host.bootId, null);
});

Deno.test("gatherJobFiles() reads real job directories in one step, skipping everything else", async () => {
  const base = await Deno.makeTempDir({ prefix: "molq-snapshot-" });
  const a = join(base, "a b"); // a space in the path
  const missing = join(base, "gone");
  await Deno.mkdir(a);
  await Deno.writeTextFile(join(a, "exit_code"), "0\n");
  await Deno.writeTextFile(join(a, "finished_at"), "1796167929732");
  await Deno.writeTextFile(join(a, "stdout.log"), "not evidence\n");
  await Deno.writeTextFile(join(a, "exit_code.tmp"), "not evidence either\n");
  const snapshot = await gatherJobFiles(localRunner, [a, missing], { processes: true });
  assert.equal(snapshot.host.hostname, Deno.hostname());
  assert.match(snapshot.host.bootId ?? "", /^[0-9a-f-]{36}$/);
  assert.match(snapshot.processes!.commandLine(Deno.pid) ?? "", /deno/, "this process is listed");
  assert.deepEqual(snapshot.evidence(a), {
    exitCode: 0,
    finishedAt: 1796167929732,
    timedOut: false,
    cancelled: false,
  });
  assert.equal(snapshot.text(a, "stdout.log"), undefined);
  assert.equal(snapshot.text(a, "exit_code.tmp"), undefined);
  assert.deepEqual(snapshot.evidence(missing), { timedOut: false, cancelled: false });
  await Deno.remove(base, { recursive: true });
});
