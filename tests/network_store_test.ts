/**
 * A store on a real network file system: sshfs (FUSE) over the private loopback sshd of
 * scripts/sshd-dev.sh. molq must detect it, use SQLite's rollback journal, and keep every
 * record under concurrent submitters and refreshers.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { ROOT, type Sandbox, sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;
const SCRIPT = join(ROOT, "scripts", "sshd-dev.sh");

async function sh(args: string[]): Promise<{ code: number; out: string }> {
  const output = await new Deno.Command("bash", { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder();
  return { code: output.code, out: text.decode(output.stdout) + text.decode(output.stderr) };
}

/** A fresh sshfs mount of the cluster account's directory; undefined (and why) if impossible. */
async function mountNetworkDir(): Promise<{ dir: string; unmount: () => Promise<void> } | string> {
  const started = await sh([SCRIPT, "start"]);
  if (started.code !== 0) return `the loopback sshd did not start: ${started.out.trim()}`;
  const dir = Deno.makeTempDirSync({ prefix: "molq-netfs-" });
  const remote = `molq-nfs-${crypto.randomUUID().slice(0, 8)}`;
  const mounted = await sh([SCRIPT, "mount", dir, remote]);
  if (mounted.code !== 0) return `sshfs could not mount: ${mounted.out.trim()}`;
  return { dir, unmount: async () => void (await sh([SCRIPT, "unmount", dir])) };
}

async function withNetworkBox(test: (box: Sandbox, dir: string) => Promise<void>) {
  const mount = await mountNetworkDir();
  if (typeof mount === "string") {
    // CI starts sshd and has FUSE: there this must not happen, so it fails loudly.
    throw new Error(`Cannot make a network file system for the test: ${mount}`);
  }
  try {
    const work = join(mount.dir, "work");
    Deno.mkdirSync(work);
    const box = sandbox({ MOLQ_HOME: join(mount.dir, "home"), MOLQ_MIN_POLL_INTERVAL: "1s" });
    await test({ ...box, molq: (args, o = {}) => box.molq(args, { cwd: work, ...o }) }, mount.dir);
  } finally {
    await mount.unmount();
  }
}

Deno.test("a store on sshfs uses the rollback journal, and doctor says why", async () => {
  await withNetworkBox(async (box) => {
    const submitted = await box.molq(["submit", "local", "--json", "--", "true"]);
    assert.equal(submitted.code, 0, submitted.stderr);
    assert.equal(submitted.stderr, "", "no warning for a store molq made itself");
    const doctor = await box.molq(["doctor", "--json"]);
    const checks = JSON.parse(doctor.stdout) as Json[];
    const check = (name: string) => checks.find((c) => c.name === name)!;
    assert.match(String(check("file system").detail), /^fuse\.sshfs at .*a network file system/);
    assert.equal(check("file system").level, "ok");
    assert.match(String(check("journal").detail), /^delete — rollback journal/);
    const text = await box.molq(["doctor"]);
    assert.match(text.stdout, /fuse\.sshfs/);
  });
});

Deno.test("a WAL store found on sshfs is switched to the rollback journal", async () => {
  await withNetworkBox(async (box, dir) => {
    const home = join(dir, "home");
    Deno.mkdirSync(home, { mode: 0o700 });
    // Made as an older molq would have: WAL, wherever it was.
    const local = join(Deno.makeTempDirSync(), "jobs.db");
    const first = sandbox({ MOLQ_DB: local });
    assert.equal((await first.molq(["list"])).code, 0);
    Deno.copyFileSync(local, join(home, "jobs.db"));
    Deno.chmodSync(join(home, "jobs.db"), 0o600);
    const listed = await box.molq(["list"]);
    assert.equal(listed.code, 0, listed.stderr);
    const db = new DatabaseSync(join(home, "jobs.db"), { readOnly: true });
    const mode = db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
    db.close();
    assert.equal(mode.journal_mode, "delete");
  });
});

Deno.test("several submitters and refreshers on sshfs lose no record and never see a locked store", async () => {
  await withNetworkBox(async (box) => {
    const submitters = Array.from({ length: 3 }, async () => {
      const results = [];
      for (let i = 0; i < 8; i++) results.push(await box.molq(["submit", "local", "--", "true"]));
      return results;
    });
    const stop = { done: false };
    const refreshers = Array.from({ length: 2 }, async () => {
      const results = [];
      while (!stop.done) results.push(await box.molq(["refresh"]));
      return results;
    });
    const submitted = (await Promise.all(submitters)).flat();
    stop.done = true;
    const refreshed = (await Promise.all(refreshers)).flat();
    for (const result of [...submitted, ...refreshed]) {
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /locked|busy/i);
    }
    await box.molq(["refresh", "--force"]);
    const jobs = await box.json<Json[]>(["list", "--all", "--no-refresh"]);
    assert.equal(jobs.length, 24, "every submission has its record");
    const refresh = await box.molq(["refresh", "--force"]);
    assert.equal(refresh.code, 0, refresh.stderr);
    const states = (await box.json<Json[]>(["list", "--all", "--no-refresh"])).map((j) => j.state);
    assert.deepEqual(new Set(states), new Set(["succeeded"]));
  });
});

Deno.test("a read-only network mount: one sentence, exit 1, nothing lost", async () => {
  await withNetworkBox(async (box, dir) => {
    assert.equal((await box.molq(["submit", "local", "--", "true"])).code, 0);
    const db = join(dir, "home", "jobs.db");
    const bytes = Deno.readFileSync(db);
    const readOnly = Deno.makeTempDirSync({ prefix: "molq-netfs-ro-" });
    const config = "/tmp/molq-sshd/ssh_config";
    const remoteDir = (await sh(["-c", `findmnt -n -o SOURCE '${dir}'`])).out.trim();
    const mounted = await sh(["-c", `sshfs -F ${config} -o ro '${remoteDir}' '${readOnly}'`]);
    assert.equal(mounted.code, 0, mounted.out);
    try {
      const ro = sandbox({ MOLQ_HOME: join(readOnly, "home") });
      const result = await ro.molq(["submit", "local", "--", "true"]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^molq: [^\n]+\.\n$/, "one sentence");
      assert.doesNotMatch(result.stderr, /\bat .*\.ts:\d+/, "no stack trace");
    } finally {
      await sh(["-c", `fusermount -u '${readOnly}'`]);
    }
    assert.deepEqual(Deno.readFileSync(db), bytes, "the store is untouched");
  });
});
