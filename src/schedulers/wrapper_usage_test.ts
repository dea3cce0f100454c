import assert from "node:assert/strict";
import { join } from "node:path";
import { renderJobScript } from "./job_script.ts";
import { parseSnapshotOutput } from "./job_files_snapshot.ts";
import { gatherJobFiles } from "./job_files_snapshot.ts";
import { localRunner } from "../process/local_runner.ts";
import { runCommand } from "../process/run_command.ts";
import {
  parseTimesLine,
  WRAPPER_CPU_SOURCE,
  WRAPPER_MEMORY_SOURCE,
  wrapperUsage,
} from "./wrapper_usage.ts";

Deno.test("parseTimesLine() reads the children line of times in every shell's form", () => {
  assert.equal(parseTimesLine("0m5.002000s 0m0.004000s"), 5.006, "dash");
  assert.equal(parseTimesLine("1m2.500s 0m0.250s"), 62.75, "bash");
  assert.equal(parseTimesLine("0m0.00s 0m0.00s"), 0, "zsh");
  assert.equal(parseTimesLine("0m 1.50s 0m 0.50s"), 2, "busybox");
  assert.equal(parseTimesLine("0m1,5s 0m0,5s"), 2, "a decimal comma");
  assert.equal(parseTimesLine(""), null);
  assert.equal(parseTimesLine("garbage"), null);
});

Deno.test("the evidence step reads the wrapper's CPU time and memory peak", () => {
  const snapshot = parseSnapshotOutput(
    [
      "molq-host h",
      "molq-files",
      "0\tstarted_at\t1795490001000",
      "0\tfinished_at\t1795490004000",
      "0\texit_code\t0",
      "0\tcpu_times\t0m2.900000s 0m0.100000s",
      "0\tpeak_rss_kib\t204800",
      "molq-end",
    ].join("\n"),
    ["/j"],
  );
  const usage = wrapperUsage(snapshot.evidence("/j"));
  assert.equal(usage.cpuSeconds, 3);
  assert.equal(usage.peakMemoryBytes, 200 * 1024 ** 2);
  assert.equal(usage.memorySampled, true);
  assert.equal(usage.elapsedSeconds, 3);
  assert.deepEqual(usage.sources, {
    cpu: WRAPPER_CPU_SOURCE,
    memory: WRAPPER_MEMORY_SOURCE,
    elapsed: "molq wrapper (start and end times)",
  });
  const bare = wrapperUsage(
    parseSnapshotOutput("molq-host h\nmolq-files\n0\texit_code\t1\nmolq-end\n", ["/j"])
      .evidence("/j"),
  );
  assert.deepEqual([bare.cpuSeconds, bare.peakMemoryBytes, bare.elapsedSeconds], [
    null,
    null,
    null,
  ]);
});

Deno.test("a supervised wrapper measures its command's CPU time and samples its memory", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "molq-wrapper-" });
  // sh keeps ~40 MiB in a variable for about 2 s of busy CPU, in a child of the command.
  const command = 'x=$(head -c 41943040 /dev/zero | tr "\\0" a); i=0; ' +
    'end=$(($(date +%s) + 2)); while [ "$(date +%s)" -lt "$end" ]; do i=$((i+1)); done; ' +
    'printf "%s" "${#x}" >"$1/len"';
  const script = renderJobScript({
    jobId: "j",
    jobDir: dir,
    workdir: dir,
    command: { type: "argv", argv: ["/bin/sh", "-c", command, "job", dir] },
    env: {},
    redirect: { stdoutPath: join(dir, "out"), stderrPath: join(dir, "err") },
    supervise: { timeLimitSeconds: null, killGraceSeconds: 1 },
    sampleMemory: true,
  });
  Deno.writeTextFileSync(join(dir, "job.sh"), script);
  // In its own session, as the local backend starts it.
  await runCommand(["setsid", "-w", "/bin/sh", join(dir, "job.sh")], { timeoutMs: 30_000 });
  assert.equal(Deno.readTextFileSync(join(dir, "len")), "41943040");
  const usage = wrapperUsage((await gatherJobFiles(localRunner, [dir])).evidence(dir));
  // A busy loop of 1-2 s on a shared machine: some CPU time, never more than it ran.
  assert.ok(usage.cpuSeconds! >= 0.25 && usage.cpuSeconds! <= 6, `cpu ${usage.cpuSeconds}`);
  const mib = usage.peakMemoryBytes! / 1024 ** 2;
  assert.ok(mib >= 40 && mib < 200, `sampled peak ${mib} MiB`);
  assert.equal(usage.memorySampled, true);
});
