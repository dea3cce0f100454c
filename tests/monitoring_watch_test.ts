/** End to end: `molq watch` and `molq submit --wait` through the real CLI on the local backend. */
import assert from "node:assert/strict";
import { BINARY_PERMISSIONS, MAIN, sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;
type Box = ReturnType<typeof sandbox>;

async function submit(box: Box, args: string[]): Promise<string> {
  return (await box.json<Json>(["submit", "local", ...args])).job_id as string;
}

Deno.test("watch exits 0 when every job succeeded, with a line per change and final JSON", async () => {
  const box = sandbox();
  const a = await submit(box, ["--", "sh", "-c", "sleep 1"]);
  const b = await submit(box, ["--", "true"]);
  const plain = await box.molq(["watch", a.slice(0, 8), b, "--poll", "backoff:200ms,2,1s"]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout, "", "progress goes to stderr");
  assert.match(plain.stderr, new RegExp(`\\] ${a.slice(0, 8)} succeeded \\(exit 0\\)\\n`));
  assert.match(plain.stderr, new RegExp(`\\] ${b.slice(0, 8)} succeeded \\(exit 0\\)\\n`));
  assert.match(plain.stderr, /\ndone: 2 succeeded\n$/);
  assert.ok(
    !plain.stderr.includes("\r") && !plain.stderr.includes("\x1b"),
    "no live line, no colour",
  );
  const json = await box.molq(["watch", a, b, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const records = JSON.parse(json.stdout) as Json[];
  assert.deepEqual(records.map((r) => [r.job_id, r.state]), [[a, "succeeded"], [b, "succeeded"]]);
  assert.equal(json.stderr, "", "--json prints no progress");
});

Deno.test("watch exits 1 when any job ended otherwise, naming it", async () => {
  const box = sandbox();
  const ok = await submit(box, ["--", "true"]);
  const bad = await submit(box, ["--", "sh", "-c", "exit 3"]);
  const result = await box.molq(["watch", ok, bad, "--poll", "fixed:300ms"]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    new RegExp(
      `molq: 1 of 2 jobs did not succeed: ${
        bad.slice(0, 8)
      } failed \\(Exited with code 3\\.\\)\\.\\n$`,
    ),
  );
});

Deno.test("watch exits 3 on timeout and leaves the job running", async () => {
  const box = sandbox();
  const id = await submit(box, ["--", "sleep", "60"]);
  const result = await box.molq(["watch", id, "--timeout", "1s", "--poll", "adaptive:1m"]);
  assert.equal(result.code, 3, result.stderr);
  assert.match(
    result.stderr,
    /molq: Timed out after \d+ s waiting for 1 of 1 jobs; they keep running\.\n$/,
  );
  const status = await box.json<Json>(["status", id]);
  assert.equal(status.state, "running");
  assert.equal((await box.molq(["cancel", id])).code, 0);
});

Deno.test("watch rejects a bad --poll with a usage error", async () => {
  const box = sandbox();
  const id = await submit(box, ["--", "true"]);
  const result = await box.molq(["watch", id, "--poll", "often"]);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /^molq: Invalid --poll "often": unknown strategy "often"\.\nhint: Use one of/,
  );
});

Deno.test("Ctrl-C stops watching with exit 130 and cancels nothing", async () => {
  const box = sandbox();
  const id = await submit(box, ["--", "sleep", "60"]);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...BINARY_PERMISSIONS, MAIN, "watch", id],
    cwd: box.cwd,
    env: box.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Interrupt once the watch has shown the running job.
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  while (!stderr.includes(" running")) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += value;
  }
  child.kill("SIGINT");
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    stderr += value;
  }
  const status = await child.status;
  await child.stdout.cancel();
  assert.equal(status.code, 130, stderr);
  assert.match(
    stderr,
    /molq: Stopped watching; 1 of 1 jobs keep running \(nothing was cancelled\)\.\n$/,
  );
  assert.equal((await box.json<Json>(["status", id])).state, "running");
  assert.equal((await box.molq(["cancel", id])).code, 0);
});

Deno.test("submit --wait submits and waits in one step", async () => {
  const box = sandbox();
  const ok = await box.molq(["submit", "local", "--wait", "--json", "--", "sh", "-c", "echo hi"]);
  assert.equal(ok.code, 0, ok.stderr);
  const [record] = JSON.parse(ok.stdout) as Json[];
  assert.equal(record!.state, "succeeded");
  const bad = await box.molq(["submit", "local", "--wait", "--", "sh", "-c", "exit 5"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /failed \(exit 5; Exited with code 5\.\)\n/);
  assert.match(
    bad.stderr,
    /molq: 1 of 1 jobs did not succeed: [0-9a-f]{8} failed \(Exited with code 5\.\)\.\n$/,
  );
});

Deno.test("submit --wait --timeout stops waiting with exit 3 and leaves the job running", async () => {
  const box = sandbox();
  const result = await box.molq([
    "submit",
    "local",
    "--wait",
    "--timeout",
    "1s",
    "--",
    "sleep",
    "30",
  ]);
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stderr, /Timed out after \d+ s waiting for 1 of 1 jobs; they keep running\./);
  const [record] = await box.json<Record<string, unknown>[]>(["list"]);
  assert.equal(record?.state, "running");
  await box.molq(["cancel", record!.job_id as string]);
});
