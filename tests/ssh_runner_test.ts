/**
 * SshRunner end to end against a real private sshd (tests/ssh_server.ts): the cluster side
 * is the `molqcluster` account on this machine, so remote files and processes really
 * belong to someone else.
 */
import assert from "node:assert/strict";
import { CommandError, TransportError } from "../src/core/errors.ts";
import { runCommand } from "../src/process/run_command.ts";
import { MemoryConnectionLedger } from "../src/remote/connection_ledger.ts";
import { resolveControlPath } from "../src/remote/control_path.ts";
import {
  attachArgv,
  checkMaster,
  closeMaster,
  connectMaster,
  NO_MASTER_MARK,
  type SshTarget,
} from "../src/remote/ssh_master.ts";
import { SshRunner, type SshRunnerOptions } from "../src/remote/ssh_runner.ts";
import { gatherJobFiles } from "../src/schedulers/job_files_snapshot.ts";
import {
  acceptedLogins,
  ACCOUNT,
  freePort,
  ready,
  sessionsStarted,
  SKIP_REASON,
  sshConfig,
  sshd,
  stopServer,
} from "./ssh_server.ts";

if (SKIP_REASON) console.log(`ssh_runner_test: skipped: ${SKIP_REASON}.`);
const masters: SshTarget[] = [];

/** Options for a runner with its own master (a short control path of its own). */
async function runnerOptions(
  cluster: string,
  extra: Partial<SshRunnerOptions> = {},
): Promise<SshRunnerOptions> {
  const dir = await Deno.makeTempDir({ prefix: "molq-cp-", dir: "/tmp" });
  const options: SshRunnerOptions = {
    cluster,
    destination: "molq-test",
    sshOptions: ["-F", sshConfig],
    controlPath: `${dir}/cm`,
    auth: "batch",
    ledger: new MemoryConnectionLedger(),
    ...extra,
  };
  masters.push(options);
  return options;
}

const steps: Array<[string, () => Promise<void>]> = [];

/** One step of the single test below: the steps share one server and run in order. */
function sshTest(name: string, fn: () => Promise<void>): void {
  steps.push([name, fn]);
}

async function localUid(name: string): Promise<number> {
  return Number((await runCommand(["id", "-u", name])).stdout.trim());
}

sshTest("SshRunner runs commands on the remote side with their exit codes and stdin", async () => {
  await using runner = new SshRunner(await runnerOptions("dev"));
  assert.equal((await runner.run(["id", "-un"])).stdout, `${ACCOUNT}\n`);
  assert.equal(runner.remote, true);
  assert.equal(runner.where, 'cluster "dev" (ssh molq-test)');
  const failed = await runner.run(["sh", "-c", "echo out; echo err >&2; exit 3"], {
    allowFailure: true,
  });
  assert.deepEqual(failed, { code: 3, stdout: "out\n", stderr: "err\n" });
  await assert.rejects(runner.run(["sh", "-c", "echo nope >&2; exit 4"]), (error: unknown) => {
    assert.ok(error instanceof CommandError && !(error instanceof TransportError));
    assert.equal(error.code, 4);
    assert.equal(
      error.message,
      'sh failed with exit code 4 on cluster "dev" (ssh molq-test): nope',
    );
    return true;
  });
  // A command's own exit 255 is its answer, not a failed link.
  const own255 = await runner.run(["sh", "-c", "exit 255"], { allowFailure: true });
  assert.equal(own255.code, 255);
  const input = 'line 1\nit\'s "quoted" $HOME `x`\n\u00e9\u{1f680}' + "x".repeat(200_000);
  assert.equal((await runner.run(["cat"], { stdin: input })).stdout, input);
  await assert.rejects(runner.run(["molq-no-such-program"]), /command not found\.$/);
  await runner.makePrivateDir("~/molq-test-cwd");
  assert.equal(
    (await runner.run(["pwd"], { cwd: "~/molq-test-cwd" })).stdout,
    `/home/${ACCOUNT}/molq-test-cwd\n`,
  );
  await runner.run(["rmdir", "molq-test-cwd"]); // relative: from the remote home
  await assert.rejects(
    runner.run(["pwd"], { cwd: "~/molq-test-cwd" }),
    /^CommandError: Cannot run pwd on cluster "dev" \(ssh molq-test\): cannot enter ~\/molq-test-cwd\.$/,
  );
  assert.equal(
    (await runner.run(["sh", "-c", 'echo "$X"'], { env: { X: "a b" } })).stdout,
    "a b\n",
  );
});

sshTest(
  "SshRunner writes, creates and removes files on the remote side with their modes",
  async () => {
    await using runner = new SshRunner(await runnerOptions("dev"));
    const home = await runner.homeDirectory();
    assert.equal(home, `/home/${ACCOUNT}`);
    const uid = await localUid(ACCOUNT);
    const dir = `~/molq-test-files-${crypto.randomUUID().slice(0, 8)}`;
    const localDir = dir.replace("~", home);
    await runner.makePrivateDir(`${dir}/job`);
    for (const path of [localDir, `${localDir}/job`]) {
      const info = await Deno.stat(path);
      assert.equal(info.mode! & 0o777, 0o700, path);
      assert.equal(info.uid, uid, path);
    }
    const script = "#!/bin/sh\necho 'hello' \"$1\"\n";
    await runner.writeFile(`${dir}/job/run.sh`, script, 0o700);
    await runner.writeFile(`${localDir}/job/notes`, "private", 0o600);
    assert.equal(await Deno.readTextFile(`${localDir}/job/run.sh`), script);
    assert.equal((await Deno.stat(`${localDir}/job/run.sh`)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${localDir}/job/notes`)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${localDir}/job/notes`)).uid, uid);
    assert.equal((await runner.run([`${localDir}/job/run.sh`, "there"])).stdout, "hello there\n");
    await runner.removeFile(`${dir}/job/notes`);
    await runner.removeFile(`${dir}/job/notes`); // missing: fine
    await assert.rejects(Deno.stat(`${localDir}/job/notes`), Deno.errors.NotFound);
    await assert.rejects(
      runner.writeFile("~/molq-no-such-dir/x/y", "x", 0o600),
      /^MolqError: Cannot write ~\/molq-no-such-dir\/x\/y on cluster "dev" \(ssh molq-test\): .+\.$/,
    );
    await runCommand(["rm", "-rf", localDir]);
  },
);

sshTest(
  "SshRunner starts a detached job that outlives the session, and gatherJobFiles sees it",
  async () => {
    const runner = new SshRunner(await runnerOptions("dev"));
    const home = await runner.homeDirectory();
    const jobDir = `${home}/molq-test-job-${crypto.randomUUID().slice(0, 8)}`;
    await runner.makePrivateDir(jobDir);
    await runner.writeFile(`${jobDir}/exit_code`, "7\n", 0o600);
    await runner.writeFile(`${jobDir}/run.sh`, 'echo "$PWD" >started_in\nexec sleep 60\n', 0o700);
    const { pid } = await runner.startDetached(`${jobDir}/run.sh`, jobDir);
    try {
      await runner.close(); // the job must not depend on the session
      const snapshot = await gatherJobFiles(runner, [
        { dir: jobDir, pid, filesUnlessRunning: false },
        `${home}/molq-no-such-job`,
      ], { processes: true });
      const hostname = (await runner.run(["uname", "-n"])).stdout.trim();
      assert.equal(snapshot.host.hostname, hostname);
      assert.equal(snapshot.text(jobDir, "exit_code"), "7");
      assert.deepEqual(snapshot.files.get(`${home}/molq-no-such-job`), undefined);
      assert.ok(snapshot.processes?.runsIn(pid, jobDir), "the job runs in its directory");
      assert.ok(snapshot.processes?.groupAlive(pid), "the job leads its own process group");
      const owner = await runCommand(["ps", "-o", "user=", "-p", String(pid)]);
      assert.equal(owner.stdout.trim(), ACCOUNT);
      // No stdio back to the session: it cannot hold the channel open.
      for (const fd of [0, 1, 2]) {
        const target = await runCommand(["readlink", `/proc/${pid}/fd/${fd}`]);
        assert.equal(target.stdout.trim(), "/dev/null", `fd ${fd}`);
      }
      assert.equal(await Deno.readTextFile(`${jobDir}/started_in`), `${jobDir}\n`);
    } finally {
      Deno.kill(-pid, "SIGKILL");
      await runner.close();
      await runCommand(["rm", "-rf", jobDir]);
    }
  },
);

sshTest(
  "a command past its timeout ends the session with a TransportError; the next one works",
  async () => {
    await using runner = new SshRunner(await runnerOptions("dev"));
    await assert.rejects(runner.run(["sleep", "30"], { timeoutMs: 300 }), (error: unknown) => {
      assert.ok(error instanceof TransportError);
      assert.equal(
        error.message,
        'Lost the SSH session to cluster "dev" while running sleep: no answer within 0.3 s.',
      );
      return true;
    });
    assert.equal((await runner.run(["echo", "again"])).stdout, "again\n");
  },
);

sshTest("the cluster account runs the SLURM commands over ssh", async () => {
  if ((await runCommand(["sh", "-c", "command -v sbatch"], { allowFailure: true })).code !== 0) {
    console.log("  (sbatch is not installed here: nothing to check)");
    return;
  }
  await using runner = new SshRunner(await runnerOptions("dev"));
  assert.match((await runner.run(["sbatch", "--version"])).stdout, /^slurm/);
});

sshTest("50 commands after connect reuse one authenticated connection", async () => {
  const options = await runnerOptions("dev");
  assert.equal(await connectMaster(options, { auth: "batch" }), "opened");
  assert.equal(await connectMaster(options, { auth: "batch" }), "already");
  const before = await acceptedLogins();
  const sessionsBefore = await sessionsStarted();
  const first = new SshRunner(options);
  const second = new SshRunner(options); // a second session on the same master
  try {
    await Promise.all([
      (async () => {
        for (let i = 0; i < 25; i++) {
          assert.equal((await first.run(["echo", `${i}`])).stdout, `${i}\n`);
        }
      })(),
      (async () => {
        for (let i = 0; i < 25; i++) {
          await second.writeFile(`~/molq-test-reuse-${i % 3}`, "x", 0o600);
        }
      })(),
    ]);
    await second.run(["sh", "-c", "rm -f ~/molq-test-reuse-*"]);
  } finally {
    await first.close();
    await second.close();
  }
  assert.equal(await acceptedLogins(), before);
  assert.equal(await sessionsStarted(), sessionsBefore + 2, "one remote shell per runner");
});

sshTest("an attach call never dials, even when the master has gone", async () => {
  const options = await runnerOptions("gone");
  const before = await acceptedLogins();
  const attach = await runCommand(attachArgv(options, ["true"]), { allowFailure: true });
  assert.equal(attach.code, 255);
  assert.match(attach.stderr, new RegExp(NO_MASTER_MARK));
  assert.equal(await acceptedLogins(), before);
});

sshTest("an interactive cluster without a master never dials and says molq connect", async () => {
  const options = await runnerOptions("mfa", { auth: "interactive" });
  const before = await acceptedLogins();
  await using runner = new SshRunner(options);
  for (let i = 0; i < 2; i++) {
    await assert.rejects(runner.run(["true"]), (error: unknown) => {
      assert.ok(error instanceof TransportError);
      assert.equal(error.needsLogin, true);
      assert.equal(error.cluster, "mfa");
      assert.equal(
        error.message,
        'Cluster "mfa" has no open SSH connection: run `molq connect mfa`.',
      );
      return true;
    });
  }
  assert.equal(options.ledger.readLink("mfa").linkState, "needs-login");
  assert.equal(options.ledger.connectsSince("mfa", 0), 0);
  assert.equal(await acceptedLogins(), before);
  // After `molq connect` (here: the master opened for it), the same runner works.
  await connectMaster(options, { auth: "interactive" });
  assert.equal((await runner.run(["echo", "ok"])).stdout, "ok\n");
  assert.equal(await acceptedLogins(), before + 1);
});

sshTest(
  "an unreachable host fails in one sentence naming the cluster, and is not redialled at once",
  async () => {
    const closed = await freePort();
    const options = await runnerOptions("down", {
      destination: `${ACCOUNT}@127.0.0.1`,
      sshOptions: ["-F", sshConfig, "-p", String(closed)],
    });
    await using runner = new SshRunner(options);
    const sentence =
      /^Cannot connect to cluster "down" \(ssh molqcluster@127\.0\.0\.1\): ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused\.$/;
    for (let i = 0; i < 2; i++) {
      await assert.rejects(runner.run(["true"]), (error: unknown) => {
        assert.ok(error instanceof TransportError);
        assert.match(error.message, sentence);
        return true;
      });
    }
    assert.equal(options.ledger.connectsSince("down", 0), 1, "the second call did not dial");
    assert.equal(options.ledger.readLink("down").linkState, "unreachable");
  },
);

sshTest("a key cluster opens its master on demand, once", async () => {
  const options = await runnerOptions("keys");
  const before = await acceptedLogins();
  const first = new SshRunner(options);
  const second = new SshRunner(options);
  try {
    await first.run(["true"]);
    assert.ok(await checkMaster(options));
    await second.run(["true"]);
  } finally {
    await first.close();
    await second.close();
  }
  assert.equal(options.ledger.connectsSince("keys", 0), 1);
  assert.equal(await acceptedLogins(), before + 1);
});

sshTest("resolveControlPath() gives a control path a master can use", async () => {
  const choice = await resolveControlPath("dev", "molq-test", ["-F", sshConfig]);
  assert.equal(choice.owner, "molq");
  const target = { cluster: "dev", destination: "molq-test", sshOptions: ["-F", sshConfig] };
  masters.push({ ...target, controlPath: choice.path });
  await connectMaster({ ...target, controlPath: choice.path }, { auth: "batch" });
  assert.ok(await checkMaster({ ...target, controlPath: choice.path }));
});

// The tests below restart or cut the server: they run last, one after another.

sshTest("a cut link mid-command is a TransportError, not a hang or an answer", async () => {
  const options = await runnerOptions("cut");
  await using runner = new SshRunner(options);
  assert.equal((await runner.run(["echo", "up"])).stdout, "up\n");
  const slow = runner.run(["sh", "-c", "echo started >~/molq-test-cut; sleep 30; echo late"], {
    timeoutMs: 120_000,
  });
  slow.catch(() => {});
  // Cut only once the command is running on the far side.
  for (let i = 0; i < 200; i++) {
    if (await Deno.stat(`/home/${ACCOUNT}/molq-test-cut`).catch(() => null)) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await sshd("kill-connections");
  try {
    await assert.rejects(slow, (error: unknown) => {
      assert.ok(error instanceof TransportError, String(error));
      assert.match(
        error.message,
        /^Lost the SSH session to cluster "cut" while running sh: the link closed.*\.$/,
      );
      return true;
    });
    // The next call does not wait for a dead link: it fails as a transport failure too.
    await assert.rejects(runner.run(["true"]), TransportError);
    assert.equal(options.ledger.readLink("cut").linkState, "unreachable");
  } finally {
    await sshd("start");
    await Deno.remove(`/home/${ACCOUNT}/molq-test-cut`).catch(() => {});
  }
});

sshTest("MaxSessions 1 on the server still works: the session limit drops to 1", async () => {
  await sshd("start", { MOLQ_SSHD_MAX_SESSIONS: "1" });
  try {
    const options = await runnerOptions("one");
    await connectMaster(options, { auth: "batch" });
    const first = new SshRunner(options);
    const second = new SshRunner(options);
    for (let i = 0; i < 5; i++) assert.equal((await first.run(["echo", `${i}`])).stdout, `${i}\n`);
    // The second session is refused while the first is open; it waits, then gets its turn.
    const waiting = second.run(["echo", "second"]);
    for (let i = 0; i < 400 && options.ledger.readLink("one").sessionLimit !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(options.ledger.readLink("one").sessionLimit, 1);
    await first.close();
    assert.equal((await waiting).stdout, "second\n");
    await second.close();
  } finally {
    await sshd("start", { MOLQ_SSHD_MAX_SESSIONS: "10" });
  }
});

Deno.test({
  name: "SshRunner against a real sshd",
  ignore: SKIP_REASON !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    try {
      await ready;
      for (const [name, fn] of steps) await t.step(name, fn);
    } finally {
      for (const target of masters) {
        await closeMaster(target).catch(() => false);
        await Deno.remove(target.controlPath.replace(/\/[^/]*$/, ""), { recursive: true })
          .catch(() => {});
      }
      await stopServer();
    }
  },
});
