import assert from "node:assert/strict";
import { CommandError } from "../core/errors.ts";
import { runCommand, startProcess } from "./run_command.ts";

Deno.test("runCommand() captures stdout, stderr and passes stdin", async () => {
  const result = await runCommand(["sh", "-c", "cat; echo err >&2"], { stdin: "hello" });
  assert.equal(result.stdout, "hello");
  assert.equal(result.stderr, "err\n");
  assert.equal(result.code, 0);
});

Deno.test("runCommand() throws a CommandError naming the command, code and stderr", async () => {
  await assert.rejects(runCommand(["sh", "-c", "echo nope >&2; exit 4"]), (e: unknown) => {
    assert.ok(e instanceof CommandError);
    assert.equal(e.code, 4);
    assert.equal(e.message, "sh failed with exit code 4: nope");
    assert.deepEqual(e.argv, ["sh", "-c", "echo nope >&2; exit 4"]);
    return true;
  });
});

Deno.test("runCommand() returns non-zero exits when allowFailure is set", async () => {
  const result = await runCommand(["sh", "-c", "exit 7"], { allowFailure: true });
  assert.equal(result.code, 7);
});

Deno.test("runCommand() kills a command that runs past its timeout", async () => {
  await assert.rejects(runCommand(["sleep", "30"], { timeoutMs: 200 }), (e: unknown) => {
    assert.ok(e instanceof CommandError);
    assert.equal(e.timedOut, true);
    assert.match(e.message, /^sleep timed out after 0.2 s\.$/);
    return true;
  });
});

Deno.test("runCommand() reports a missing program in one sentence", async () => {
  await assert.rejects(
    runCommand(["molq-no-such-program"]),
    /^CommandError: Cannot run molq-no-such-program: command not found\.$/,
  );
});

Deno.test("runCommand() with ownProcessGroup also kills a wrapper's children at the timeout", async () => {
  const started = Date.now();
  // Without the group kill, the orphaned `sleep` would hold the pipes open for 30 s.
  await assert.rejects(
    runCommand(["sh", "-c", "sleep 30; echo done"], { timeoutMs: 200, ownProcessGroup: true }),
    (e: unknown) => e instanceof CommandError && e.timedOut,
  );
  assert.ok(Date.now() - started < 10_000);
});

Deno.test("runCommand() with ownProcessGroup runs the command as its own session's leader", async () => {
  // ps reads the shell's own pid, group and session: all three are the same number.
  const { stdout } = await runCommand(["sh", "-c", "ps -o pid=,pgid=,sid= -p $$"], {
    ownProcessGroup: true,
  });
  const [pid, pgid, sid] = stdout.trim().split(/\s+/).map(Number);
  assert.ok(pid! > 1);
  assert.deepEqual([pgid, sid], [pid, pid]);
});

Deno.test("runCommand() with ownProcessGroup reports a program it cannot start in one sentence", async () => {
  await assert.rejects(
    runCommand(["molq-no-such-program"], { ownProcessGroup: true }),
    /^CommandError: Cannot run molq-no-such-program: command not found\.$/,
  );
  const notRunnable = Deno.makeTempFileSync({ prefix: "molq-not-runnable-" });
  try {
    await assert.rejects(
      runCommand([notRunnable], { ownProcessGroup: true }),
      (e: unknown) =>
        e instanceof CommandError && e.code === null &&
        /^Cannot run .*: Permission denied\.$/.test(e.message),
    );
  } finally {
    Deno.removeSync(notRunnable);
  }
});

Deno.test("runCommand() with inheritStdio returns the exit code and no output", async () => {
  const result = await runCommand(["sh", "-c", "exit 3"], {
    inheritStdio: true,
    allowFailure: true,
  });
  assert.deepEqual(result, { code: 3, stdout: "", stderr: "" });
});

Deno.test("startProcess() holds a conversation over stdin and stdout", async () => {
  const child = startProcess(["sh", "-c", 'while read -r line; do echo "got $line"; done']);
  const reader = child.stdout.getReader();
  await child.write("one\n");
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.equal(first, "got one\n");
  await child.write("two\n");
  await child.closeStdin();
  let rest = "";
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    rest += new TextDecoder().decode(chunk.value);
  }
  assert.equal(rest, "got two\n");
  assert.equal(await child.exited, 0);
  await child.stderr.cancel();
});

Deno.test("startProcess() kill() ends the command and reports the signal", async () => {
  const child = startProcess(["sleep", "30"]);
  child.kill();
  assert.equal(await child.exited, 128 + 15);
  await child.stdout.cancel();
  await child.stderr.cancel();
  await child.closeStdin();
});
