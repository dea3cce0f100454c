import assert from "node:assert/strict";
import { join } from "./paths.ts";
import { fileURLToPath } from "node:url";
import { after, every, sleep } from "./timers.ts";

Deno.test("after() fires once; a cancelled timer never fires", async () => {
  const fired: string[] = [];
  after(10, () => fired.push("kept"));
  const cancelled = after(10, () => fired.push("cancelled"));
  cancelled.cancel();
  cancelled.cancel(); // twice is harmless
  await sleep(60);
  assert.deepEqual(fired, ["kept"]);
});

Deno.test("after() waits past the 24.8 days one timer can hold, instead of firing at once", async () => {
  let fired = false;
  const long = after(2 ** 31 + 5, () => (fired = true));
  await sleep(50);
  long.cancel();
  assert.equal(fired, false);
  const forever = after(Infinity, () => (fired = true));
  await sleep(20);
  forever.cancel();
  assert.equal(fired, false);
});

Deno.test("every() repeats until cancelled, also from inside its own call", async () => {
  let calls = 0;
  const timer = every(5, () => {
    calls++;
    if (calls === 3) timer.cancel();
  });
  await sleep(100);
  assert.equal(calls, 3);
});

/** Runs a script importing the timers in a fresh Deno and returns what it printed. */
async function script(body: string): Promise<{ code: number; stdout: string; ms: number }> {
  const timers = join(fileURLToPath(new URL(".", import.meta.url)), "timers.ts");
  const start = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", `import { after, every, sleep } from "${timers}";\n${body}`],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout).trim(),
    ms: performance.now() - start,
  };
}

Deno.test("a pending timer keeps the process alive; a cancelled one does not hold it", async () => {
  const pending = await script('after(200, () => console.log("fired"));');
  assert.equal(pending.stdout, "fired");
  // A 60 s timeout and a 60 s heartbeat, both cancelled: the process ends at once, not a
  // minute later (the bound is far from both, so a slow machine cannot fail it).
  const cancelled = await script(
    'after(60_000, () => console.log("late")).cancel();\n' +
      'every(60_000, () => console.log("late")).cancel();\n' +
      'await sleep(1); console.log("done");',
  );
  assert.equal(cancelled.stdout, "done");
  assert.ok(cancelled.ms < 30_000, `the process waited ${cancelled.ms} ms for cancelled timers`);
});

Deno.test("molq's code starts timers only through core/timers.ts (Node's global ones cost start-up)", () => {
  const src = join(fileURLToPath(new URL(".", import.meta.url)), "..");
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) walk(path);
      else if (
        entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts") &&
        !entry.name.startsWith("_") && path !== join(src, "core", "timers.ts")
      ) {
        const text = Deno.readTextFileSync(path);
        if (/\b(setTimeout|setInterval)\s*\(/.test(text)) offenders.push(path.slice(src.length));
      }
    }
  };
  walk(src);
  assert.deepEqual(offenders, [], "use after(), every() or sleep() from src/core/timers.ts");
});
