/**
 * The library API as the product page shows it, end to end: JobState as constants and a
 * type, the dashboards and their options exported from mod.ts, a doc comment on every
 * export, and records written through the library read back by the CLI.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as molq from "../mod.ts";
import {
  isTerminal,
  JobState,
  type MolqMonitorOptions,
  type RunDashboardOptions,
  Submitor,
} from "../mod.ts";
import { ROOT, sandbox } from "./_molq.ts";

Deno.test("mod.ts exports JobState as a value and a type, with isTerminal both ways", () => {
  assert.equal(JobState.CREATED, "created");
  assert.equal(JobState.SUBMITTED, "submitted");
  assert.equal(JobState.QUEUED, "queued");
  assert.equal(JobState.RUNNING, "running");
  assert.equal(JobState.SUCCEEDED, "succeeded");
  assert.equal(JobState.FAILED, "failed");
  assert.equal(JobState.CANCELLED, "cancelled");
  assert.equal(JobState.TIMED_OUT, "timed_out");
  assert.equal(JobState.LOST, "lost");
  const terminal: JobState[] = [
    JobState.SUCCEEDED,
    JobState.FAILED,
    JobState.CANCELLED,
    JobState.TIMED_OUT,
    JobState.LOST,
  ];
  for (const state of Object.values(JobState)) {
    assert.equal(JobState.isTerminal(state), terminal.includes(state), state);
    assert.equal(isTerminal(state), terminal.includes(state), state);
  }
  assert.deepEqual(Object.values(JobState), [...molq.JOB_STATES]);
});

Deno.test("mod.ts exports both dashboards and the rest of the page's API", () => {
  for (
    const name of [
      "Submitor",
      "JobHandle",
      "JobStore",
      "JobReconciler",
      "JobMonitor",
      "FixedStrategy",
      "ExponentialBackoffStrategy",
      "AdaptiveStrategy",
      "MolqMonitor",
      "RunDashboard",
      "JobState",
      "isTerminal",
    ] as const
  ) {
    assert.equal(typeof molq[name], name === "JobState" ? "object" : "function", name);
  }
  // The option types are exported (this file would not type-check otherwise).
  const focused: RunDashboardOptions = { jobIds: ["x"], refreshSeconds: 1.5, title: "t" };
  const all: MolqMonitorOptions = { all: true, limit: 500, refreshSeconds: 1.5 };
  assert.ok(focused && all);
});

Deno.test("deno doc mod.ts shows a doc comment for every export", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", join(ROOT, "mod.ts")],
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const doc = JSON.parse(new TextDecoder().decode(output.stdout));
  const symbols = Object.values(doc.nodes as Record<string, { symbols: unknown[] }>)
    .flatMap((node) => node.symbols) as {
      name: string;
      declarations: { jsDoc?: { doc?: string } }[];
    }[];
  assert.ok(symbols.length >= 30, `${symbols.length} exports`);
  const undocumented = symbols.filter((symbol) =>
    !symbol.declarations.some((declaration) => declaration.jsDoc?.doc?.trim())
  ).map((symbol) => symbol.name);
  assert.deepEqual(undocumented, []);
});

Deno.test("a job submitted through the library ends in a JobState the CLI reads back as stored", async () => {
  const box = sandbox();
  const submitor = new Submitor({
    scheduler: "local",
    store: join(box.home, "jobs.db"),
    cwd: box.cwd,
  });
  try {
    const job = await submitor.submit({ argv: ["sh", "-c", "exit 4"], name: "lib-fail" });
    const record = await job.wait({ timeoutMs: 30_000 });
    assert.equal(record.state, JobState.FAILED);
    assert.ok(JobState.isTerminal(record.state));
    const fromCli = await box.json<Record<string, unknown>>(["status", job.jobId]);
    assert.deepEqual([fromCli.state, fromCli.exit_code, fromCli.name], ["failed", 4, "lib-fail"]);
  } finally {
    submitor.close();
  }
});
