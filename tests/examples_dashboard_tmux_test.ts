/**
 * The two dashboard examples (RunDashboard, MolqMonitor) run in a real terminal inside tmux:
 * their jobs show live, an array expands to its tasks and collapses again, `q` closes the
 * dashboard without cancelling anything, and the terminal modes are restored.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { BINARY_PERMISSIONS, ROOT, type Sandbox, sandbox } from "./_molq.ts";
import { fileText, tmux, waitForScreen } from "./_tmux.ts";

type Json = Record<string, unknown>;

/** Starts `examples/NAME` in a new tmux session; stty before and after go to files. */
async function startExample(box: Sandbox, session: string, name: string) {
  const before = join(box.cwd, "stty.before");
  const after = join(box.cwd, "stty.after");
  const env = Object.entries(box.env).map(([k, v]) => `${k}='${v}'`).join(" ");
  const command = `stty -g > ${before}; env ${env} ${Deno.execPath()} run --quiet ${
    BINARY_PERMISSIONS.join(" ")
  } ${join(ROOT, "examples", name)}; echo "EXITED=$?"; stty -g > ${after}; sleep 60`;
  await tmux("new-session", "-d", "-s", session, "-x", "110", "-y", "30", "-c", box.cwd, command);
  return { before, after };
}

async function assertRestored(files: { before: string; after: string }): Promise<void> {
  const after = await fileText(files.after, "stty after the example");
  assert.equal(after, Deno.readTextFileSync(files.before), "terminal modes restored");
}

async function key(session: string, ...keys: string[]): Promise<void> {
  await tmux("send-keys", "-t", session, ...keys);
}

Deno.test("examples/run_dashboard.ts focuses on its jobs, expands its array, and closing cancels nothing", async () => {
  const box = sandbox();
  await box.json<Json>(["submit", "local", "--name", "not-mine", "--", "sleep", "30"]);
  const session = `molq-ex-run-${crypto.randomUUID().slice(0, 8)}`;
  const files = await startExample(box, session, "run_dashboard.ts");
  try {
    let screen = await waitForScreen(session, /train/, "the focused dashboard");
    assert.match(screen, /my sweep/);
    assert.doesNotMatch(screen, /not-mine/);
    await waitForScreen(session, /succeeded.*prepare/, "prepare to succeed");
    // The array is one row with a task count; → opens it, ← closes it.
    screen = await waitForScreen(session, /▸ sweep \[\d\/4\]/, "the collapsed array");
    await key(session, "g", "Right"); // the newest job, the array, is the first row
    screen = await waitForScreen(session, /▾ sweep[\s\S]*sweep\[3\]/, "the expanded array");
    assert.match(screen, /sweep\[0\][\s\S]*sweep\[1\][\s\S]*sweep\[2\]/);
    await waitForScreen(session, /▾ sweep \[4\/4\]/, "all four tasks to finish");
    await key(session, "Left");
    await waitForScreen(session, /▸ sweep \[4\/4\]/, "the collapsed array", /sweep\[0\]/);
    await key(session, "q");
    screen = await waitForScreen(session, /EXITED=0/, "the example to end");
    assert.match(screen, /dashboard closed \(quit\); train is running/);
    await assertRestored(files);
    const train = (await box.json<Json[]>(["list", "--all"])).find((r) => r.name === "train")!;
    assert.equal(train.state, "running", "closing the dashboard cancelled nothing");
    await box.molq(["cancel", train.job_id as string]);
  } finally {
    await tmux("kill-session", "-t", session).catch(() => "");
    await box.molq(["cancel", ...(await active(box))]);
  }
});

Deno.test("examples/molq_monitor.ts shows every persisted job, an array's tasks, and quits cleanly", async () => {
  const box = sandbox();
  const done = await box.json<Json>(["submit", "local", "--name", "early-bird", "--", "true"]);
  const slow = await box.json<Json>(["submit", "local", "--name", "slowpoke", "--", "sleep", "60"]);
  await box.json<Json>([
    "submit",
    "local",
    "--name",
    "grid",
    "--array",
    "0-2",
    "--",
    "sleep",
    "60",
  ]);
  const session = `molq-ex-mon-${crypto.randomUUID().slice(0, 8)}`;
  const files = await startExample(box, session, "molq_monitor.ts");
  try {
    let screen = await waitForScreen(session, /slowpoke/, "the monitor");
    assert.match(screen, /molq monitor · all clusters · all jobs/);
    await waitForScreen(session, /succeeded.*early-bird/, "the finished job (--all)");
    screen = await waitForScreen(session, /▸ grid \[0\/3\]/, "the array row");
    await key(session, "/", "grid", "Enter");
    await waitForScreen(session, /▸ grid/, "the filtered list", /slowpoke/);
    await key(session, "Space");
    screen = await waitForScreen(session, /grid\[2\]/, "the expanded array");
    assert.match(screen, /running.*grid\[0\]/);
    await key(session, "Space");
    await waitForScreen(session, /▸ grid/, "the collapsed array", /grid\[0\]/);
    await key(session, "q");
    screen = await waitForScreen(session, /EXITED=0/, "the example to end");
    assert.match(screen, /monitor closed \(quit\)/);
    await assertRestored(files);
    assert.equal((await box.json<Json>(["status", slow.job_id as string])).state, "running");
    assert.equal((await box.json<Json>(["status", done.job_id as string])).state, "succeeded");
  } finally {
    await tmux("kill-session", "-t", session).catch(() => "");
    await box.molq(["cancel", ...(await active(box))]);
  }
});

async function active(box: Sandbox): Promise<string[]> {
  const records = await box.json<Json[]>(["list", "--no-refresh"]);
  return records.filter((r) => r.array_job_id === null).map((r) => r.job_id as string);
}
