import assert from "node:assert/strict";
import { MolqError } from "../core/errors.ts";
import {
  checkControlPathLength,
  chooseControlPath,
  controlDirCandidates,
  controlSocketName,
  ensurePrivateDir,
  maxControlPathBytes,
  parseSshConfigDump,
  resolveControlPath,
} from "./control_path.ts";

const testdata = new URL("../../testdata/ssh/", import.meta.url);
const dump = (name: string) => parseSshConfigDump(Deno.readTextFileSync(new URL(name, testdata)));

Deno.test("parseSshConfigDump() reads host, port and user, and no ControlPath when unset", () => {
  assert.deepEqual(dump("ssh_G_plain.txt"), {
    hostname: "127.0.0.1",
    port: "2222",
    user: "molqcluster",
    proxyJump: null,
    controlPath: null,
  });
  assert.equal(dump("ssh_G_controlpath_none.txt").controlPath, null);
});

Deno.test("parseSshConfigDump() reads the user's expanded ControlPath and ProxyJump", () => {
  const resolved = dump("ssh_G_controlpath_proxyjump.txt");
  assert.equal(resolved.controlPath, "/root/.ssh/cm-9ea1c07eb647d4845f7fe4fe6ae8c5ee3edd55b4");
  assert.equal(resolved.proxyJump, "gate@jump.example.org");
});

Deno.test("parseSshConfigDump() treats `controlpath none` as no ControlPath", () => {
  const resolved = parseSshConfigDump("hostname h\ncontrolpath none\nport 22\n");
  assert.equal(resolved.controlPath, null);
  assert.throws(() => parseSshConfigDump("port 22\n"), MolqError);
});

Deno.test("controlDirCandidates() prefers the runtime directory, then /tmp, then the home", () => {
  assert.deepEqual(
    controlDirCandidates({ xdgRuntimeDir: "/run/user/1000", home: "/home/u" }, 1000),
    [
      "/run/user/1000/molq-ssh",
      "/tmp/molq-ssh-1000",
      "/home/u/.molq/ssh",
    ],
  );
  assert.deepEqual(controlDirCandidates({ xdgRuntimeDir: "relative" }, 7), ["/tmp/molq-ssh-7"]);
});

Deno.test("controlSocketName() is short, stable, and differs per user, port and jump host", () => {
  const base = dump("ssh_G_plain.txt");
  const name = controlSocketName(base);
  assert.match(name, /^cm-[0-9a-f]{16}$/);
  assert.equal(controlSocketName({ ...base }), name);
  const others = [
    { ...base, user: "other" },
    { ...base, port: "22" },
    { ...base, hostname: "10.0.0.1" },
    { ...base, proxyJump: "gate" },
  ].map(controlSocketName);
  assert.equal(new Set([name, ...others]).size, 5);
});

Deno.test("chooseControlPath() uses the user's ControlPath when there is one", () => {
  const mine = chooseControlPath(dump("ssh_G_plain.txt"), "/tmp/molq-ssh-0");
  assert.equal(mine.owner, "molq");
  assert.match(mine.path, /^\/tmp\/molq-ssh-0\/cm-[0-9a-f]{16}$/);
  const theirs = chooseControlPath(dump("ssh_G_controlpath_proxyjump.txt"), "/tmp/molq-ssh-0");
  assert.deepEqual(theirs, {
    path: "/root/.ssh/cm-9ea1c07eb647d4845f7fe4fe6ae8c5ee3edd55b4",
    owner: "user",
  });
});

Deno.test("checkControlPathLength() leaves room for ssh's temporary socket name", () => {
  assert.equal(maxControlPathBytes("linux"), 90);
  assert.equal(maxControlPathBytes("darwin"), 86);
  checkControlPathLength("hpc", "/" + "x".repeat(89), 90);
  assert.throws(
    () => checkControlPathLength("hpc", "/" + "x".repeat(90), 90),
    (error: unknown) => {
      assert.ok(error instanceof MolqError);
      assert.match(error.message, /^The control socket path for cluster "hpc" is 91 bytes long/);
      assert.equal(error.message.split(". ").length, 1);
      return true;
    },
  );
  // Bytes, not characters: a home with non-ASCII letters is longer than it looks.
  assert.throws(() => checkControlPathLength("hpc", "/" + "\u00e9".repeat(45), 90), MolqError);
});

Deno.test("ensurePrivateDir() creates a 0700 directory and accepts it again", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = `${root}/a/molq-ssh`;
    await ensurePrivateDir(dir, Deno.uid()!);
    assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
    await ensurePrivateDir(dir, Deno.uid()!);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("ensurePrivateDir() refuses a directory others can write, a symlink, another's", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/open`);
    await Deno.chmod(`${root}/open`, 0o777);
    await assert.rejects(ensurePrivateDir(`${root}/open`, Deno.uid()!), /others can write/);
    await Deno.symlink(`${root}/open`, `${root}/link`);
    await assert.rejects(ensurePrivateDir(`${root}/link`, Deno.uid()!), /not a directory/);
    await Deno.writeTextFile(`${root}/file`, "");
    await assert.rejects(ensurePrivateDir(`${root}/file`, Deno.uid()!), MolqError);
    await Deno.mkdir(`${root}/theirs`, { mode: 0o700 });
    await assert.rejects(ensurePrivateDir(`${root}/theirs`, Deno.uid()! + 1), /another user/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("resolveControlPath() asks ssh -G and takes the user's ControlPath or ours", async () => {
  const root = await Deno.makeTempDir();
  try {
    const config = `${root}/ssh_config`;
    await Deno.writeTextFile(
      config,
      "Host with-cm\n  HostName 192.0.2.1\n  ControlPath ~/.ssh/cm-%C\n" +
        "Host plain\n  HostName 192.0.2.2\n  User someone\n",
    );
    const theirs = await resolveControlPath("a", "with-cm", ["-F", config]);
    assert.equal(theirs.owner, "user");
    assert.match(theirs.path, /\/\.ssh\/cm-[0-9a-f]{40}$/);
    const ours = await resolveControlPath("b", "plain", ["-F", config]);
    assert.equal(ours.owner, "molq");
    const dirs = controlDirCandidates(
      { xdgRuntimeDir: Deno.env.get("XDG_RUNTIME_DIR"), home: Deno.env.get("HOME") },
      Deno.uid()!,
    );
    assert.ok(dirs.some((dir) => ours.path.startsWith(dir + "/cm-")), ours.path);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
