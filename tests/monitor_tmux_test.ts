/** The real `molq monitor` driven inside tmux: keys in, screen out, terminal restored after. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { BINARY_PERMISSIONS, eventually, MAIN, sandbox } from "./_molq.ts";
import { tmux, waitForScreen } from "./_tmux.ts";

type Json = Record<string, unknown>;

Deno.test("molq monitor shows jobs live, navigates, filters, follows a log, resizes and restores the terminal", async () => {
  const box = sandbox();
  const session = `molq-test-${crypto.randomUUID().slice(0, 8)}`;
  const ticker = await box.json<Json>([
    "submit",
    "local",
    "--name",
    "ticker",
    "--command",
    "for i in $(seq 1 60); do echo tick $i; sleep 0.5; done",
  ]);
  await box.json<Json>(["submit", "local", "--name", "quick-fail", "--", "sh", "-c", "exit 2"]);
  const before = join(box.cwd, "stty.before");
  const after = join(box.cwd, "stty.after");
  const env = Object.entries(box.env).map(([k, v]) => `${k}='${v}'`).join(" ");
  const command = `stty -g > ${before}; env ${env} ${Deno.execPath()} run --quiet ${
    BINARY_PERMISSIONS.join(" ")
  } ${MAIN} monitor --all --refresh 0.5; echo "EXITED=$?"; stty -g > ${after}; sleep 60`;
  await tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", "-c", box.cwd, command);
  try {
    let screen = await waitForScreen(session, /ticker/, "the list");
    assert.match(screen, /molq monitor/);
    await waitForScreen(session, /failed .*quick-fail/, "the failed job");
    // A job submitted while the dashboard runs appears on the next refresh.
    await box.json<Json>(["submit", "local", "--name", "late-arrival", "--", "sleep", "20"]);
    await waitForScreen(session, /late-arrival/, "the new job");
    // Filter to the ticker, open its detail view and watch its log grow.
    await tmux("send-keys", "-t", session, "/", "ticker", "Enter");
    screen = await waitForScreen(session, /ticker/, "the filtered list", /quick-fail/);
    await tmux("send-keys", "-t", session, "Enter");
    screen = await waitForScreen(session, /tick 2\b/, "the log tail");
    const seen = Number(/tick (\d+)\s*\n(?![\s\S]*tick \d)/.exec(screen)?.[1] ?? "0");
    await waitForScreen(session, new RegExp(`tick ${seen + 2}\\b`), "the log to grow");
    await tmux("send-keys", "-t", session, "Escape");
    await tmux("send-keys", "-t", session, "Escape");
    await waitForScreen(session, /quick-fail/, "the unfiltered list");
    // Resize: narrow terminals drop columns instead of wrapping.
    await tmux("resize-window", "-t", session, "-x", "60", "-y", "20");
    screen = await waitForScreen(session, /ticker/, "the resized list");
    for (const line of screen.split("\n")) {
      assert.ok([...line].length <= 60, `line too wide: ${line}`);
    }
    await tmux("send-keys", "-t", session, "j", "k", "?");
    await waitForScreen(session, /help|Keys/i, "the help overlay");
    await tmux("send-keys", "-t", session, "Escape", "q");
    screen = await waitForScreen(session, /EXITED=0/, "the dashboard to quit");
    await eventually(
      () => {
        try {
          return Deno.readTextFileSync(after) || undefined;
        } catch {
          return undefined;
        }
      },
      10_000,
      "stty after",
    );
    assert.equal(
      Deno.readTextFileSync(after),
      Deno.readTextFileSync(before),
      "terminal modes restored",
    );
    // Closing the dashboard cancels nothing.
    const record = await box.json<Json>(["status", ticker.job_id as string]);
    assert.equal(record.state, "running");
    await box.molq(["cancel", ticker.job_id as string]);
  } finally {
    await tmux("kill-session", "-t", session).catch(() => "");
  }
});

Deno.test("molq monitor refuses to run without a terminal", async () => {
  const box = sandbox();
  const result = await box.molq(["monitor"]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^molq: molq monitor needs a terminal: (stdout|stdin) is not a TTY\.\n$/,
  );
});

Deno.test("molq watch --ui follows the given jobs and exits 0 only if all succeeded", async () => {
  const box = sandbox();
  const session = `molq-watch-${crypto.randomUUID().slice(0, 8)}`;
  const second = `${session}-2`;
  const ok = await box.json<Json>(["submit", "local", "--name", "good-one", "--", "true"]);
  const bad = await box.json<Json>([
    "submit",
    "local",
    "--name",
    "bad-one",
    "--",
    "sh",
    "-c",
    "exit 4",
  ]);
  await box.json<Json>(["submit", "local", "--name", "not-watched", "--", "sleep", "5"]);
  const env = Object.entries(box.env).map(([k, v]) => `${k}='${v}'`).join(" ");
  const run = (ids: string) =>
    `env ${env} ${Deno.execPath()} run --quiet ${
      BINARY_PERMISSIONS.join(" ")
    } ${MAIN} watch ${ids} --ui; echo "EXITED=$?"; sleep 60`;
  await tmux(
    "new-session",
    "-d",
    "-s",
    session,
    "-x",
    "100",
    "-y",
    "30",
    "-c",
    box.cwd,
    run(`${ok.job_id} ${bad.job_id}`),
  );
  try {
    const screen = await waitForScreen(session, /bad-one/, "the focused dashboard");
    assert.match(screen, /good-one/);
    assert.doesNotMatch(screen, /not-watched/);
    await waitForScreen(session, /failed/, "the failure to show");
    await tmux("send-keys", "-t", session, "q");
    await waitForScreen(session, /EXITED=1/, "exit code 1");
    // A second session while the first lives: killing the last one stops the tmux server.
    await tmux(
      "new-session",
      "-d",
      "-s",
      second,
      "-x",
      "100",
      "-y",
      "30",
      "-c",
      box.cwd,
      run(String(ok.job_id)),
    );
    await waitForScreen(second, /succeeded/, "the success to show");
    await tmux("send-keys", "-t", second, "q");
    await waitForScreen(second, /EXITED=0/, "exit code 0");
  } finally {
    await tmux("kill-session", "-t", second).catch(() => "");
    await tmux("kill-session", "-t", session).catch(() => "");
  }
});
