import assert from "node:assert/strict";
import { FakeTerminal } from "./_fixtures.ts";
import { ENTER_SEQUENCE, RESTORE_SEQUENCE, TerminalGuard } from "./terminal_guard.ts";

Deno.test("TerminalGuard.enter() switches to the alternate screen in raw mode", () => {
  const terminal = new FakeTerminal();
  const guard = TerminalGuard.enter(terminal, () => {});
  assert.equal(terminal.raw, true);
  assert.equal(terminal.output, ENTER_SEQUENCE);
  assert.deepEqual([...terminal.signals.keys()], ["SIGINT", "SIGTERM", "SIGHUP"]);
  guard.restore();
  guard.restore();
  assert.equal(terminal.raw, false);
  assert.equal(terminal.output, ENTER_SEQUENCE + RESTORE_SEQUENCE, "restored exactly once");
  assert.equal(terminal.signals.size, 0, "signal listeners removed");
  assert.ok(RESTORE_SEQUENCE.includes("\x1b[?1049l") && RESTORE_SEQUENCE.includes("\x1b[?25h"));
});

Deno.test("TerminalGuard restores the terminal before reporting a signal", () => {
  const terminal = new FakeTerminal();
  const seen: string[] = [];
  const guard = TerminalGuard.enter(
    terminal,
    (signal) => seen.push(`${signal} raw=${terminal.raw}`),
  );
  terminal.signals.get("SIGTERM")!();
  assert.deepEqual(seen, ["SIGTERM raw=false"]);
  assert.equal(guard.restored, true);
  assert.ok(terminal.output.endsWith(RESTORE_SEQUENCE));
});

Deno.test("TerminalGuard.restore() still leaves raw mode when the terminal write fails", () => {
  const terminal = new FakeTerminal();
  const guard = TerminalGuard.enter(terminal, () => {});
  terminal.write = () => {
    throw new Error("EIO: the terminal hung up");
  };
  guard.restore();
  assert.equal(terminal.raw, false);
  assert.equal(terminal.signals.size, 0);
});

Deno.test("TerminalGuard is disposable (using) and restores on a thrown error", () => {
  const terminal = new FakeTerminal();
  assert.throws(() => {
    using _guard = TerminalGuard.enter(terminal, () => {});
    throw new Error("boom");
  }, /boom/);
  assert.equal(terminal.raw, false);
  assert.ok(terminal.output.endsWith(RESTORE_SEQUENCE));
});
