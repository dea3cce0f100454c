import assert from "node:assert/strict";
import { join } from "node:path";
import { Submitor } from "../api/submitor.ts";
import { openLibrarySource } from "./library_source.ts";
import { FakeTerminal, settle } from "./_fixtures.ts";
import { MolqMonitor, RunDashboard } from "./run_dashboard.ts";
import { RESTORE_SEQUENCE } from "./terminal_guard.ts";

function tempSubmitor(): { submitor: Submitor; dir: string } {
  const dir = Deno.makeTempDirSync({ prefix: "molq-dash-" });
  const submitor = new Submitor({
    scheduler: "local",
    store: join(dir, "jobs.db"),
    jobsDir: join(dir, "jobs"),
    cwd: dir,
  });
  return { submitor, dir };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await settle(50);
  }
}

Deno.test("RunDashboard from a Submitor shows exactly its jobs, and q cancels nothing", async () => {
  const { submitor } = tempSubmitor();
  try {
    const mine = await submitor.submit({ name: "mine", argv: ["sleep", "30"] });
    await submitor.submit({ name: "other", argv: ["sleep", "30"] });
    const terminal = new FakeTerminal({ columns: 100, rows: 20 });
    const done = new RunDashboard({
      submitor,
      jobIds: [mine.jobId],
      terminal,
      color: false,
      refreshSeconds: 0.2,
    }).run();
    await until(() => /running.*mine/.test(terminal.output), "the job to show as running");
    assert.doesNotMatch(terminal.output, /other/);
    terminal.type("q");
    assert.deepEqual(await done, { reason: "quit" });
    assert.ok(terminal.output.endsWith(RESTORE_SEQUENCE), "terminal restored");
    assert.equal(mine.status(), "running", "still running, and the store is still open");
    await mine.cancel();
  } finally {
    for (const record of submitor.list({ states: ["submitted", "queued", "running"] })) {
      await submitor.cancel(record.jobId).catch(() => {});
    }
    submitor.close();
  }
});

Deno.test("MolqMonitor over a store file shows its finished jobs with --all", async () => {
  const { submitor, dir } = tempSubmitor();
  const job = await submitor.submit({ name: "finished-one", argv: ["true"] });
  await job.wait({ timeoutMs: 10_000 });
  submitor.close();
  const terminal = new FakeTerminal({ columns: 100, rows: 20 });
  const done = new MolqMonitor({
    store: join(dir, "jobs.db"),
    all: true,
    terminal,
    color: false,
  }).run();
  await until(() => /succeeded.*finished-one/.test(terminal.output), "the finished job");
  assert.match(terminal.output, /molq monitor · all clusters · all jobs/);
  terminal.endInput();
  assert.deepEqual(await done, { reason: "input-closed" });
});

Deno.test("openLibrarySource() closes only a store it opened itself", () => {
  const { submitor, dir } = tempSubmitor();
  const given = openLibrarySource({ store: submitor.store });
  given.close();
  assert.deepEqual(submitor.store.list(), [], "the given store stays open");
  submitor.close();
  const own = openLibrarySource({ store: join(dir, "jobs.db") });
  assert.deepEqual(own.source.load({}), []);
  own.close();
  assert.throws(() => own.source.load({}), /finalized|not open/);
});

Deno.test("a library dashboard without a terminal refuses in one sentence and leaves the store open", async () => {
  const { submitor } = tempSubmitor();
  try {
    const terminal = new FakeTerminal();
    terminal.tty.stdout = false;
    await assert.rejects(
      new RunDashboard({ submitor, jobIds: [], terminal, commandName: "my script" }).run(),
      /^MolqError: my script needs a terminal: stdout is not a TTY\.$/,
    );
    assert.deepEqual(submitor.list(), []);
  } finally {
    submitor.close();
  }
});
