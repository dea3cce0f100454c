import assert from "node:assert/strict";
import { endedOutOfMemory, memoryKillReason, usageHint, usedLittle } from "./usage_hint.ts";
import { GIB, MIB, usageWith } from "./_usage_fixture.ts";

const succeeded = { state: "succeeded" as const, failureReason: null };

Deno.test("usageHint() suggests less memory when a job used under 70 % of it", () => {
  const usage = usageWith({ peakMemoryBytes: 7.4 * GIB, memoryRequestBytes: 64 * GIB });
  assert.equal(usageHint(succeeded, usage), "Peak 7.4 GiB of 64 GiB requested: --mem 9G would do.");
  const fine = usageWith({ peakMemoryBytes: 50 * GIB, memoryRequestBytes: 64 * GIB });
  assert.equal(usageHint(succeeded, fine), null, "78 % used: nothing to say");
});

Deno.test("usageHint() after an out-of-memory kill says what to ask for", () => {
  const oom = { state: "failed" as const, failureReason: "Ran out of memory." };
  assert.equal(endedOutOfMemory(oom), true);
  assert.equal(
    usageHint(oom, usageWith({ memoryRequestBytes: 100 * MIB, peakMemoryBytes: 98 * MIB })),
    "Ran out of memory at its 100 MiB request: ask for about twice as much (--mem 200M).",
  );
  assert.equal(
    usageHint(oom, usageWith({ peakMemoryBytes: 3 * GIB })),
    "Ran out of memory at about 3 GiB: ask for more (--mem 6G).",
  );
  assert.equal(usageHint(oom, null), "Ran out of memory: ask for more with --mem.");
  const pbs = {
    state: "failed" as const,
    failureReason: "Killed by LSF for exceeding its memory limit.",
  };
  assert.equal(endedOutOfMemory(pbs), true);
  assert.equal(endedOutOfMemory({ state: "failed", failureReason: "Exited with code 1." }), false);
});

Deno.test("usageHint() after a time-out suggests twice the limit", () => {
  const timedOut = { state: "timed_out" as const, failureReason: "Killed after its limit." };
  assert.equal(
    usageHint(timedOut, usageWith({ timeLimitSeconds: 600, elapsedSeconds: 602 })),
    "Hit its 10m time limit: ask for more (--time 20m), or checkpoint and resume.",
  );
  assert.match(usageHint(timedOut, null)!, /^Hit its time limit/);
});

Deno.test("usageHint() flags idle CPUs and a far too long time limit, one hint at a time", () => {
  const idle = usageWith({ cpuSeconds: 520, elapsedSeconds: 400, cpus: 8 });
  assert.equal(
    usageHint(succeeded, idle),
    "Kept 1.3 of 8 CPUs busy on average: --cpus 2 would do.",
  );
  assert.equal(
    usageHint(succeeded, usageWith({ cpuSeconds: 100, elapsedSeconds: 400, cpus: 1 })),
    null,
    "one CPU cannot be fewer",
  );
  const short = usageWith({ elapsedSeconds: 240, timeLimitSeconds: 7200 });
  assert.equal(
    usageHint(succeeded, short),
    "Ran 4m of its 2h limit: --time 10m would do, and shorter jobs start sooner.",
  );
  const both = usageWith({
    elapsedSeconds: 240,
    timeLimitSeconds: 7200,
    peakMemoryBytes: GIB,
    memoryRequestBytes: 16 * GIB,
  });
  assert.match(usageHint(succeeded, both)!, /^Peak 1 GiB of 16 GiB/, "memory first");
  assert.equal(
    usageHint({ state: "failed", failureReason: "Exited with code 2." }, both),
    null,
    "a crashed job's figures say nothing about what it needs",
  );
});

Deno.test("usedLittle() marks under 25 % of memory or CPU, never unknown figures", () => {
  assert.equal(usedLittle(usageWith({ peakMemoryBytes: GIB, memoryRequestBytes: 8 * GIB })), true);
  assert.equal(usedLittle(usageWith({ cpuSeconds: 10, elapsedSeconds: 100, cpus: 1 })), true);
  assert.equal(usedLittle(usageWith({ cpuSeconds: 90, elapsedSeconds: 100, cpus: 1 })), false);
  assert.equal(usedLittle(usageWith({ peakMemoryBytes: GIB })), false);
  assert.equal(usedLittle(null), false);
});

Deno.test("memoryKillReason() names a memory kill the scheduler's state does not", () => {
  const killed = {
    state: "failed" as const,
    exitCode: null,
    failureReason: "Killed by signal 9 (SIGKILL).",
  };
  const over = usageWith({ peakMemoryBytes: 226 * MIB, memoryRequestBytes: 100 * MIB });
  assert.equal(
    memoryKillReason(killed, over),
    "Ran out of memory: its peak of 226 MiB passed the 100 MiB it was given, and it was killed.",
  );
  assert.equal(
    endedOutOfMemory({ ...killed, failureReason: memoryKillReason(killed, over) }),
    true,
  );
  const under = usageWith({ peakMemoryBytes: 50 * MIB, memoryRequestBytes: 100 * MIB });
  assert.equal(
    memoryKillReason(killed, under),
    null,
    "below its allocation: killed for something else",
  );
  const exited = { state: "failed" as const, exitCode: 1, failureReason: "Exited with code 1." };
  assert.equal(memoryKillReason(exited, over), null, "it exited by itself");
  assert.equal(memoryKillReason({ ...killed, state: "cancelled" }, over), null);
  assert.equal(memoryKillReason(killed, usageWith({ peakMemoryBytes: 226 * MIB })), null);
});
