/** The launcher script on its own, under /bin/sh: throttle, run-once claims, restarts, cancel. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { localRunner } from "../process/local_runner.ts";
import { renderArrayLauncher, TASK_START_SH } from "./local_array_launcher.ts";

/**
 * A job directory whose `job.sh` marks itself running (`running.<task>`), counts the running
 * tasks, sleeps, and records its start, the count it saw and its exit code.
 */
function arrayDir(tasks: number, sleepSeconds: number): string {
  const dir = Deno.makeTempDirSync({ prefix: "molq-launcher-" });
  const job = `#!/bin/sh
d=${dir}; t=$MOLQ_ARRAY_TASK_ID
: >"$d/running.$t"
n=$(ls "$d" | grep -c '^running\\.')
echo "$t $n" >>"$d/starts"
sleep ${sleepSeconds}
rm -f "$d/running.$t"
echo 0 >"$d/exit_code.$t"
`;
  Deno.writeTextFileSync(join(dir, "job.sh"), job, { mode: 0o700 });
  const ids = Array.from({ length: tasks }, (_, i) => String(i));
  Deno.writeTextFileSync(join(dir, "array_tasks"), ids.join("\n") + "\n");
  return dir;
}

async function launch(dir: string, throttle: number | null): Promise<number> {
  Deno.writeTextFileSync(
    join(dir, "array.sh"),
    renderArrayLauncher({ jobId: "test", jobDir: dir, throttle }),
    { mode: 0o700 },
  );
  return (await localRunner.startDetached(join(dir, "array.sh"), dir)).pid;
}

function starts(dir: string): [string, number][] {
  let text = "";
  try {
    text = Deno.readTextFileSync(join(dir, "starts"));
  } catch {
    return [];
  }
  return text.trim().split("\n").filter(Boolean).map((line) => {
    const [task, seen] = line.split(" ");
    return [task!, Number(seen)];
  });
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const finished = (dir: string, tasks: number) => () =>
  Array.from({ length: tasks }, (_, i) => i).every((i) => {
    try {
      return Deno.statSync(join(dir, `exit_code.${i}`)).isFile;
    } catch {
      return false;
    }
  });

Deno.test("the launcher runs every task once, never more than the throttle at a time", async () => {
  const dir = arrayDir(6, 0.4);
  const pid = await launch(dir, 2);
  await until(finished(dir, 6), "all tasks");
  await until(() => !alive(pid), "the launcher to end");
  const seen = starts(dir);
  assert.deepEqual(seen.map(([task]) => task).sort(), ["0", "1", "2", "3", "4", "5"]);
  assert.ok(seen.every(([, running]) => running <= 2), JSON.stringify(seen));
  assert.ok(seen.some(([, running]) => running === 2), "two at once at some point");
  for (let i = 0; i < 6; i++) {
    assert.match(Deno.readTextFileSync(join(dir, `scheduler_id.${i}`)), /^\d+\n$/);
  }
  assert.equal(Deno.readTextFileSync(join(dir, "scheduler_id")), `${pid}\n`);
});

for (const target of ["its pid", "its process group"]) {
  Deno.test(`a launcher killed with -9 (${target}) is replaced by one that starts only the tasks never started`, async () => {
    const dir = arrayDir(6, 0.6);
    const first = await launch(dir, 2);
    await until(() => starts(dir).length >= 3, "three tasks to start");
    Deno.kill(target === "its pid" ? first : -first, "SIGKILL");
    await until(() => !alive(first), "the first launcher to die");
    const second = await launch(dir, 2);
    await until(finished(dir, 6), "all tasks");
    await until(() => !alive(second), "the second launcher to end");
    const seen = starts(dir);
    assert.deepEqual(
      seen.map(([task]) => task).sort(),
      ["0", "1", "2", "3", "4", "5"],
      "each once",
    );
    assert.ok(seen.every(([, running]) => running <= 2), JSON.stringify(seen));
  });
}

Deno.test("the launcher starts no task once the array's cancel marker exists", async () => {
  const dir = arrayDir(6, 0.5);
  const pid = await launch(dir, 1);
  await until(() => starts(dir).length >= 1, "the first task");
  Deno.writeTextFileSync(join(dir, "cancelled"), "1\n");
  await until(() => !alive(pid), "the launcher to stop");
  assert.ok(starts(dir).length <= 2, JSON.stringify(starts(dir)));
  const claimed = [...Deno.readDirSync(dir)].filter((e) => /^scheduler_id\.\d+$/.test(e.name));
  assert.ok(claimed.length <= 2, "no further task claimed itself");
});

Deno.test("a task's first step claims it once: a second start of the same task steps back", async () => {
  const dir = arrayDir(1, 0);
  const start = (name: string) =>
    new Deno.Command("/bin/sh", {
      args: ["-c", TASK_START_SH, "molq-task", dir, "0"],
      env: { MOLQ_ARRAY_TASK_ID: "0", MARK: name },
    }).output();
  const [a, b] = await Promise.all([start("a"), start("b")]);
  assert.equal(a.code, 0);
  assert.equal(b.code, 0);
  assert.equal(starts(dir).length, 1, "the task ran once");
  assert.deepEqual([...Deno.readDirSync(dir)].filter((e) => e.name.startsWith(".")), []);
});
