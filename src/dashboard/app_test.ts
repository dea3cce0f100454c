import assert from "node:assert/strict";
import { MolqError } from "../core/errors.ts";
import { FakeSource, FakeTerminal, idFor, NOW, settle } from "./_fixtures.ts";
import { colorWanted, type DashboardOptions, runDashboard } from "./app.ts";
import { ENTER_SEQUENCE, RESTORE_SEQUENCE } from "./terminal_guard.ts";

function start(source: FakeSource, terminal: FakeTerminal, extra: Partial<DashboardOptions> = {}) {
  return runDashboard({
    source,
    terminal,
    title: "molq monitor",
    query: { all: true },
    color: false,
    clock: () => NOW,
    tickMs: 50,
    ...extra,
  });
}

function assertRestored(terminal: FakeTerminal) {
  assert.equal(terminal.raw, false, "raw mode is off");
  assert.ok(terminal.output.startsWith(ENTER_SEQUENCE));
  assert.ok(terminal.output.endsWith(RESTORE_SEQUENCE), "alternate screen left, cursor shown");
  assert.equal(terminal.signals.size, 0, "no signal listener left behind");
}

Deno.test("runDashboard() refuses to start when stdout is not a terminal", async () => {
  const terminal = new FakeTerminal();
  terminal.tty.stdout = false;
  await assert.rejects(
    start(new FakeSource(), terminal),
    (error: unknown) =>
      error instanceof MolqError &&
      error.message === "molq monitor needs a terminal: stdout is not a TTY.",
  );
  terminal.tty = { stdout: true, stdin: false };
  await assert.rejects(start(new FakeSource(), terminal), /stdin is not a TTY/);
  assert.deepEqual(terminal.writes, []);
  assert.deepEqual(terminal.rawChanges, []);
});

Deno.test("runDashboard() draws the jobs, quits on q and restores the terminal", async () => {
  const source = new FakeSource();
  const terminal = new FakeTerminal();
  const done = start(source, terminal);
  await settle();
  assert.match(terminal.output, /train/);
  assert.match(terminal.output, /python eval\.py/);
  terminal.type("q");
  assert.deepEqual(await done, { reason: "quit" });
  assertRestored(terminal);
  assert.deepEqual(source.cancelled, [], "closing never cancels a job");
});

Deno.test("runDashboard() keeps handling keys while a refresh hangs, and never runs two", async () => {
  const source = new FakeSource();
  source.refreshResult = () => new Promise(() => {}); // a scheduler that never answers
  const terminal = new FakeTerminal();
  const done = start(source, terminal, { refreshSeconds: 0.2 });
  await settle(650); // three refresh intervals
  const before = terminal.writes.length;
  terminal.type("j");
  await settle();
  assert.equal(terminal.writes.length, before + 1, "one write for the key's frame");
  assert.match(terminal.writes.at(-1)!, />◌ queued/);
  terminal.type("\x03");
  assert.deepEqual(await done, { reason: "quit" });
  assert.equal(source.refreshes, 1);
  assertRestored(terminal);
});

Deno.test("runDashboard() redraws only the changed lines for a key press", async () => {
  const terminal = new FakeTerminal();
  const done = start(new FakeSource(), terminal);
  await settle();
  terminal.type("j");
  await settle();
  const frame = terminal.writes.at(-1)!;
  const moves = new RegExp(String.raw`\x1b\[(\d+);1H`, "g");
  const redrawn = [...frame.matchAll(moves)].map((m) => Number(m[1]));
  assert.deepEqual(redrawn, [5, 6, 24], "old row, new row and the position in the footer");
  terminal.type("q");
  await done;
});

Deno.test("runDashboard() cancels only after y, then reloads and says so", async () => {
  const source = new FakeSource();
  const terminal = new FakeTerminal();
  const done = start(source, terminal);
  await settle();
  terminal.type("c");
  await settle();
  assert.match(terminal.writes.at(-1)!, /Cancel job aaaa0000 \(train\) on slurm\? y\/n/);
  assert.deepEqual(source.cancelled, []);
  terminal.type("y");
  await settle();
  assert.deepEqual(source.cancelled, [idFor("aaaa")]);
  assert.match(terminal.writes.at(-1)!, /Cancelled job aaaa0000\./);
  terminal.type("q");
  await done;
});

Deno.test("runDashboard() shows molq's own refusal of a cancel once, and other errors with context", async () => {
  const source = new FakeSource();
  const terminal = new FakeTerminal();
  const done = start(source, terminal);
  await settle();
  source.cancelError = new MolqError('Cannot cancel job "aaaa0000": it runs on login2.');
  terminal.type("c");
  await settle();
  terminal.type("y");
  await settle();
  assert.match(terminal.writes.at(-1)!, / Cannot cancel job "aaaa0000": it runs on login2\./);
  assert.doesNotMatch(terminal.writes.at(-1)!, /Could not cancel/);
  source.cancelError = new Error("scancel timed out");
  terminal.type("c");
  await settle();
  terminal.type("y");
  await settle();
  assert.match(terminal.writes.at(-1)!, / Could not cancel job aaaa0000: scancel timed out/);
  terminal.type("q");
  await done;
});

Deno.test("runDashboard() detail view tails the selected job's log and l switches stream", async () => {
  const source = new FakeSource();
  source.logs.set("/jobs/aaaa/stdout.log", "epoch 1\nepoch 2\n");
  const terminal = new FakeTerminal();
  const done = start(source, terminal);
  await settle();
  terminal.type("\r");
  await settle(120);
  assert.match(terminal.output, /epoch 2/);
  source.logs.set("/jobs/aaaa/stdout.log", "epoch 1\nepoch 2\nepoch 3\n");
  await settle(120);
  assert.match(terminal.output, /epoch 3/, "follows new output");
  terminal.type("l");
  await settle(120);
  assert.ok(source.logReads.includes("/jobs/aaaa/stderr.log"));
  assert.match(terminal.output, /no output yet/);
  terminal.type("\x1b");
  await settle();
  terminal.type("q");
  await done;
});

Deno.test("runDashboard() ends on SIGINT/SIGTERM/SIGHUP with the terminal restored", async () => {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const terminal = new FakeTerminal();
    const done = start(new FakeSource(), terminal);
    await settle();
    terminal.signals.get(signal)!();
    assert.deepEqual(await done, { reason: "signal", signal });
    assertRestored(terminal);
  }
});

Deno.test("runDashboard() redraws everything at the new size on SIGWINCH", async () => {
  const terminal = new FakeTerminal({ columns: 80, rows: 24 });
  const done = start(new FakeSource(), terminal);
  await settle();
  terminal.dimensions = { columns: 40, rows: 20 };
  terminal.signals.get("SIGWINCH")!();
  await settle();
  const frame = terminal.writes.at(-1)!;
  assert.ok(frame.includes("\x1b[2J"));
  assert.ok(frame.includes("\x1b[20;1H") && !frame.includes("\x1b[21;1H"));
  terminal.type("q");
  await done;
});

Deno.test("runDashboard() ends when input closes and restores the terminal after an error", async () => {
  const terminal = new FakeTerminal();
  const done = start(new FakeSource(), terminal);
  await settle();
  terminal.endInput();
  assert.deepEqual(await done, { reason: "input-closed" });
  assertRestored(terminal);

  const broken = new FakeSource();
  broken.load = () => {
    throw new Error("database is locked");
  };
  const terminal2 = new FakeTerminal();
  await assert.rejects(start(broken, terminal2), /database is locked/);
  assertRestored(terminal2);
});

Deno.test("colorWanted() honours NO_COLOR", () => {
  const saved = Deno.env.get("NO_COLOR");
  try {
    Deno.env.set("NO_COLOR", "1");
    assert.equal(colorWanted(), false);
    Deno.env.delete("NO_COLOR");
    assert.equal(colorWanted(), true);
  } finally {
    if (saved !== undefined) Deno.env.set("NO_COLOR", saved);
  }
});

Deno.test("runDashboard() keeps running when a later store read fails, and says why", async () => {
  const source = new FakeSource();
  const terminal = new FakeTerminal();
  const done = start(source, terminal);
  await settle();
  source.load = () => {
    throw new Error("database is locked");
  };
  terminal.type("r");
  await settle();
  assert.match(terminal.writes.at(-1)!, /Could not read the job store: database is locked/);
  assert.doesNotMatch(
    terminal.writes.at(-1)!,
    /No jobs to show|aaaa0000/,
    "old rows stay as drawn",
  );
  terminal.type("q");
  assert.deepEqual(await done, { reason: "quit" });
});

Deno.test("runDashboard() re-reads the records only when the change token moves", async () => {
  const source = new FakeSource();
  let token = "1";
  source.changeToken = () => token;
  const terminal = new FakeTerminal();
  const done = start(source, terminal, { refreshSeconds: 0.2 });
  await settle(500);
  assert.equal(source.queries.length, 1, "refreshes without changes read nothing");
  token = "2";
  await settle(300);
  assert.equal(source.queries.length, 2);
  terminal.type("q");
  await done;
});
