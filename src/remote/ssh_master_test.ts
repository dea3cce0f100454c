import assert from "node:assert/strict";
import {
  attachArgv,
  controlArgv,
  masterArgv,
  NO_MASTER_MARK,
  pidsRunning,
  type SshTarget,
  withoutJumpHost,
} from "./ssh_master.ts";

const target: SshTarget = {
  cluster: "hpc",
  destination: "hpc1",
  sshOptions: ["-F", "/home/u/.ssh/config.hpc", "-o", "BatchMode=no", "-J", "gate"],
  controlPath: "/tmp/molq-ssh-1000/cm-0123456789abcdef",
};

Deno.test("withoutJumpHost() drops -J HOST and -JHOST only", () => {
  assert.deepEqual(withoutJumpHost(["-J", "a", "-Jb", "-F", "f", "-o", "X=1"]), [
    "-F",
    "f",
    "-o",
    "X=1",
  ]);
});

Deno.test("attachArgv() attaches without a terminal, a prompt, or a way to dial", () => {
  const argv = attachArgv(target, ["/bin/sh"]);
  assert.deepEqual(argv.slice(0, 4), ["ssh", "-T", "-S", target.controlPath]);
  assert.deepEqual(argv.slice(-3), ["--", "hpc1", "/bin/sh"]);
  const options = argv.filter((_, i) => argv[i - 1] === "-o");
  assert.ok(options.includes("ControlMaster=no"));
  assert.ok(options.includes("EscapeChar=none") && options.includes("RemoteCommand=none"));
  // molq's BatchMode=yes comes before the profile's BatchMode=no: ssh keeps the first.
  assert.ok(options.indexOf("BatchMode=yes") < options.indexOf("BatchMode=no"));
  assert.ok(
    options.some((option) => option.startsWith("ProxyCommand=") && option.includes(NO_MASTER_MARK)),
  );
  assert.ok(!argv.includes("-J") && !argv.includes("-t") && !argv.includes("-M"));
  assert.ok(!argv.some((word) => /StrictHostKeyChecking/i.test(word)));
});

Deno.test("masterArgv() starts a persistent background master; batch never prompts", () => {
  const batch = masterArgv(target, "batch", 15_000);
  assert.deepEqual(batch.slice(0, 6), ["ssh", "-N", "-f", "-T", "-S", target.controlPath]);
  assert.ok(batch.includes("RemoteCommand=none") && batch.includes("PermitLocalCommand=no"));
  assert.ok(batch.includes("ControlMaster=yes") && batch.includes("ControlPersist=4h"));
  assert.ok(batch.includes("BatchMode=yes") && batch.includes("ConnectTimeout=15"));
  assert.ok(batch.includes("-J"), "a master does the real login, through the jump host");
  const interactive = masterArgv(target, "interactive", 1_500);
  assert.ok(!interactive.includes("BatchMode=yes"));
  assert.ok(interactive.includes("ConnectTimeout=2"));
  assert.ok(!interactive.some((word) => /StrictHostKeyChecking/i.test(word)));
});

Deno.test("controlArgv() talks to the master's socket and can never dial", () => {
  const argv = controlArgv(target, "check");
  assert.deepEqual(argv.slice(0, 5), ["ssh", "-S", target.controlPath, "-O", "check"]);
  // Its guards come before the profile's options (ssh keeps the first value it reads).
  const proxy = argv.indexOf(`ProxyCommand=sh -c 'echo ${NO_MASTER_MARK} >&2; exit 1'`);
  assert.ok(proxy > 0 && proxy < argv.indexOf("-F"));
  assert.ok(argv.includes("BatchMode=yes"));
  assert.ok(!argv.includes("-J"), "a jump host would dial");
});

Deno.test("pidsRunning() finds exactly the given command line in a process table", () => {
  const argv = ["ssh", "-f", "-N", "-M", "-S", "/home/me/.molq/ssh/a b", "hpc1"];
  const table = [
    "    1 /sbin/init",
    "  412 ssh -f -N -M -S /home/me/.molq/ssh/a b hpc1",
    "  413 ssh -f -N -M -S /home/me/.molq/ssh/a b hpc1 extra",
    "  414 vim ssh -f -N -M -S /home/me/.molq/ssh/a b hpc1",
    "12345 ssh -f -N -M -S /home/me/.molq/ssh/a b hpc1",
    "",
  ].join("\n");
  assert.deepEqual(pidsRunning(table, argv), [412, 12345]);
  assert.deepEqual(pidsRunning("", argv), []);
});
