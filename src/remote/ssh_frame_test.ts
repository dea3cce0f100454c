import assert from "node:assert/strict";
import { runCommand } from "../process/run_command.ts";
import {
  type FramedCommandOptions,
  type FramedResult,
  FrameReader,
  newNonce,
  parseFrame,
  parseFramedOutput,
  remotePathWord,
  renderFramedCommand,
  renderSessionStart,
} from "./ssh_frame.ts";

const NONCE = "0123456789abcdef";

function frame(stdout: string, stderr: string, end: string, nonce = NONCE): string {
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  return `MOLQ-OUT-${nonce} ${bytes(stdout)}\n${stdout}\nMOLQ-ERR-${nonce} ${
    bytes(stderr)
  }\n${stderr}\nMOLQ-END-${nonce} ${end}\n`;
}

Deno.test("parseFramedOutput() reads a complete frame", () => {
  assert.deepEqual(parseFramedOutput(frame("out\n", "err\n", "0"), NONCE), {
    kind: "complete",
    result: { code: 0, stdout: "out\n", stderr: "err\n", startFailure: null },
  });
});

Deno.test("parseFramedOutput() keeps a command's own exit 255 as its status", () => {
  const parsed = parseFramedOutput(frame("", "boom\n", "255"), NONCE);
  assert.equal(parsed.kind, "complete");
  assert.equal(parsed.kind === "complete" && parsed.result.code, 255);
});

Deno.test("parseFramedOutput() reads output without a trailing newline and marker-like text", () => {
  const tricky = `no newline MOLQ-END-${NONCE} 0\nMOLQ-ERR-${NONCE} 3\nMOLQ-END-${NONCE} 0`;
  const parsed = parseFramedOutput(frame(tricky, "", "3"), NONCE);
  assert.deepEqual(parsed, {
    kind: "complete",
    result: { code: 3, stdout: tricky, stderr: "", startFailure: null },
  });
});

Deno.test("parseFramedOutput() decodes UTF-8 and keeps control bytes", () => {
  const text = "caf\u00e9 \u6f22\u5b57 \u{1f680} \u0001\u0002\u007f\t\r\n";
  const parsed = parseFramedOutput(frame(text, text, "0"), NONCE);
  assert.equal(parsed.kind === "complete" && parsed.result.stdout, text);
  assert.equal(parsed.kind === "complete" && parsed.result.stderr, text);
});

Deno.test("parseFramedOutput() reads the start failures", () => {
  const notFound = parseFramedOutput(frame("", "x: command not found\n", "127 not-found"), NONCE);
  assert.equal(notFound.kind === "complete" && notFound.result.startFailure, "not-found");
  const noCwd = parseFramedOutput(frame("", "cd: can't cd\n", "1 no-cwd"), NONCE);
  assert.equal(noCwd.kind === "complete" && noCwd.result.startFailure, "no-cwd");
});

Deno.test("parseFramedOutput() calls every cut-off frame truncated, never complete", () => {
  const whole = new TextEncoder().encode(frame("line one\nline two", "warn\n", "0"));
  for (let length = 0; length < whole.length; length++) {
    assert.deepEqual(parseFramedOutput(whole.subarray(0, length), NONCE), { kind: "truncated" });
  }
  assert.equal(parseFramedOutput(whole, NONCE).kind, "complete");
});

Deno.test("parseFramedOutput() calls unexpected text garbage", () => {
  const cases = [
    "Welcome to the cluster!\n",
    frame("out", "", "0", "fedcba9876543210"), // another command's frame
    frame("out", "", "0").replace("OUT-0123456789abcdef 3", "OUT-0123456789abcdef 2"),
    frame("out", "", "0").replace("OUT-0123456789abcdef 3", "OUT-0123456789abcdef x"),
    frame("out", "", "256"),
    frame("out", "", "0 exploded"),
    frame("out", "", "0") + "extra",
  ];
  for (const output of cases) {
    assert.equal(parseFramedOutput(output, NONCE).kind, "garbage", output);
  }
});

Deno.test("parseFrame() reports garbage as soon as the header cannot match", () => {
  assert.equal(parseFrame(new TextEncoder().encode("MOLQ-OUX"), NONCE).kind, "garbage");
  assert.equal(parseFrame(new TextEncoder().encode("MOLQ-OU"), NONCE).kind, "incomplete");
});

Deno.test("FrameReader skips start-up noise and hands out frames fed byte by byte", () => {
  const reader = new FrameReader();
  const text = `motd: be nice\nMOLQ-READY-${NONCE}\n` + frame("a", "", "0") + frame("b\n", "", "7");
  const bytes = new TextEncoder().encode(text);
  let noise: string | null = null;
  const results: FramedResult[] = [];
  for (const byte of bytes) {
    reader.push(Uint8Array.of(byte));
    if (noise === null) {
      noise = reader.takeReady(NONCE);
      continue;
    }
    const parsed = reader.takeFrame(NONCE);
    assert.notEqual(parsed.kind, "garbage");
    if (parsed.kind === "complete") results.push(parsed.result);
  }
  assert.equal(noise, "motd: be nice\n");
  assert.deepEqual(results.map((result) => [result.stdout, result.code]), [["a", 0], ["b\n", 7]]);
  assert.equal(reader.pendingBytes, 0);
});

Deno.test("remotePathWord() expands only a leading ~ to the remote home", () => {
  assert.equal(remotePathWord("~"), '"$HOME"');
  assert.equal(remotePathWord("~/.molq/jobs"), `"$HOME"/.molq/jobs`);
  assert.equal(remotePathWord("~/it's"), `"$HOME"/'it'"'"'s'`);
  assert.equal(remotePathWord("/abs/~/x"), "'/abs/~/x'");
  assert.equal(remotePathWord("~other/x"), "'~other/x'");
});

Deno.test("renderFramedCommand() refuses NUL bytes and bad variable names", () => {
  assert.throws(() => renderFramedCommand(NONCE, ["cat"], { stdin: "a\0b" }), /NUL/);
  assert.throws(() => renderFramedCommand(NONCE, ["env"], { env: { "A B": "1" } }), /variable/);
  assert.throws(() => renderFramedCommand("bad nonce", ["true"]), /nonce/);
});

/** Runs commands through one real local `sh` session, as the remote side would. */
async function throughSh(
  commands: Array<[readonly string[], FramedCommandOptions?]>,
  env: Record<string, string> = {},
): Promise<FramedResult[]> {
  const session = newNonce();
  const nonces = commands.map(() => newNonce());
  const script = renderSessionStart(session) +
    commands.map(([argv, options], i) => renderFramedCommand(nonces[i]!, argv, options)).join("");
  const { stdout } = await runCommand(["sh"], { stdin: script, env });
  const reader = new FrameReader();
  reader.push(new TextEncoder().encode(stdout));
  assert.equal(reader.takeReady(session), "");
  return nonces.map((nonce) => {
    const parsed = reader.takeFrame(nonce);
    assert.equal(parsed.kind, "complete", JSON.stringify(parsed));
    return (parsed as { result: FramedResult }).result;
  });
}

Deno.test("framed commands run through sh keep status, stdout and stderr apart", async () => {
  const [ok, fails, exits255, noNewline] = await throughSh([
    [["sh", "-c", "echo out; echo err >&2"]],
    [["sh", "-c", "exit 3"]],
    [["sh", "-c", "printf gone >&2; exit 255"]],
    [["printf", "%s", "no newline"]],
  ]);
  assert.deepEqual(ok, { code: 0, stdout: "out\n", stderr: "err\n", startFailure: null });
  assert.equal(fails!.code, 3);
  assert.deepEqual(exits255, { code: 255, stdout: "", stderr: "gone", startFailure: null });
  assert.equal(noNewline!.stdout, "no newline");
});

Deno.test("a framed command with a time limit is ended there, with its children", async () => {
  const started = Date.now();
  const [limited, quick] = await throughSh([
    [["sh", "-c", "sleep 31 & sleep 30; echo never"], { timeoutSeconds: 1 }],
    [["echo", "next"], { timeoutSeconds: 1 }],
  ]);
  assert.equal(limited!.code, 124, "timeout's status for a command it ended");
  assert.equal(limited!.stdout, "");
  assert.equal(quick!.stdout, "next\n", "the session goes on");
  assert.ok(Date.now() - started < 20_000, "not the 30 s the command wanted");
  const left = await runCommand(["pgrep", "-f", "^sleep 31$"], { allowFailure: true });
  assert.equal(left.stdout, "", "its background child is gone too");
  assert.throws(() => renderFramedCommand(NONCE, ["true"], { timeoutSeconds: 0 }), /timeout/);
});

Deno.test("a host whose timeout takes no -k (old BusyBox) runs commands without a limit", async () => {
  const bin = Deno.makeTempDirSync({ prefix: "molq-old-timeout-" });
  try {
    Deno.writeTextFileSync(
      `${bin}/timeout`,
      "#!/bin/sh\necho 'timeout: invalid option -- k' >&2\nexit 1\n",
      { mode: 0o755 },
    );
    const [result] = await throughSh([[["echo", "ran"], { timeoutSeconds: 5 }]], {
      PATH: `${bin}:${Deno.env.get("PATH")}`,
    });
    assert.deepEqual([result!.code, result!.stdout, result!.stderr], [0, "ran\n", ""]);
  } finally {
    Deno.removeSync(bin, { recursive: true });
  }
});

Deno.test("framed commands through sh carry stdin, UTF-8 and marker-like text byte for byte", async () => {
  const input =
    `it's "quoted" $HOME \`x\` \\n\nMOLQ-END-${NONCE} 0\n\u00e9\u{1f680}\u0001 no newline`;
  const [echoed, marker] = await throughSh([
    [["cat"], { stdin: input }],
    [["printf", "MOLQ-ERR-%s 0\\n\\nMOLQ-END-%s 0\\n", NONCE, NONCE]],
  ]);
  assert.equal(echoed!.stdout, input);
  assert.equal(marker!.stdout, `MOLQ-ERR-${NONCE} 0\n\nMOLQ-END-${NONCE} 0\n`);
});

Deno.test("framed commands through sh cannot eat the session or change it", async () => {
  const home = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${home}/sub dir`);
    const results = await throughSh([
      [["sh", "-c", 'cat; read -r line; echo "[$line]"']], // stdin is /dev/null
      [["exit", "4"]], // not a builtin here: exec finds no program
      [["pwd"], { cwd: "~/sub dir" }],
      [["pwd"]],
      [["sh", "-c", 'echo "$MOLQ_X"'], { env: { MOLQ_X: "a b'c" } }],
      [["sh", "-c", 'echo "${MOLQ_X-unset}"']],
      [["molq-no-such-program", "x"]],
      [["pwd"], { cwd: "/molq/no/such/dir" }],
    ], { HOME: home });
    const [ate, exit, sub, plain, env, unset, missing, noCwd] = results;
    assert.equal(ate!.stdout, "[]\n");
    assert.equal(exit!.code, 127);
    assert.equal(sub!.stdout, `${home}/sub dir\n`);
    assert.equal(plain!.stdout, `${home}\n`);
    assert.equal(env!.stdout, "a b'c\n");
    assert.equal(unset!.stdout, "unset\n");
    assert.equal(missing!.startFailure, "not-found");
    assert.equal(missing!.code, 127);
    assert.equal(noCwd!.startFailure, "no-cwd");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("the session keeps its output in a 0700 directory and removes it when sh ends", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const script = renderSessionStart(NONCE) +
      renderFramedCommand(NONCE, ["sh", "-c", 'stat -c %a "$TMPDIR"/molq-ssh.*']);
    const { stdout } = await runCommand(["sh"], { stdin: script, env: { TMPDIR: tmp } });
    const parsed = parseFramedOutput(stdout.replace(`MOLQ-READY-${NONCE}\n`, ""), NONCE);
    assert.equal(parsed.kind === "complete" && parsed.result.stdout, "700\n");
    assert.deepEqual([...Deno.readDirSync(tmp)], []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
