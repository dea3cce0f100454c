import assert from "node:assert/strict";
import { LocalRunner, localRunner } from "./local_runner.ts";
import { runCommand } from "./run_command.ts";
import { readWhenThere } from "../testing/read_when_there.ts";

Deno.test("startDetached() starts /bin/sh SCRIPT leading its own session, in its directory", async () => {
  const home = Deno.makeTempDirSync({ prefix: "molq-local-runner-" });
  // A runner of its own: the first start goes through DETACH_SH, the next ones spawn directly.
  const runner = new LocalRunner();
  const pids: number[] = [];
  try {
    Deno.mkdirSync(`${home}/work dir`);
    await runner.writeFile(
      `${home}/job.sh`,
      'ps -o pid=,pgid=,sid= -p $$ | tr -s " " >"ids.$$.tmp" && mv "ids.$$.tmp" "ids.$$"\n' +
        "exec sleep 30\n",
      0o700,
    );
    const boot = (await runCommand(["cat", "/proc/sys/kernel/random/boot_id"])).stdout.trim();
    for (const _ of ["through the shell", "directly"]) {
      const started = await runner.startDetached(`${home}/job.sh`, `${home}/work dir`);
      pids.push(started.pid);
      const ids = (await readWhenThere(`${home}/work dir/ids.${started.pid}`)).trim().split(" ");
      assert.deepEqual(ids, [started.pid, started.pid, started.pid].map(String));
      assert.deepEqual(started.host, { hostname: Deno.hostname(), bootId: boot });
      // No pipe back to molq: the job's output goes nowhere until its script redirects it.
      const out = await runCommand(["readlink", `/proc/${started.pid}/fd/1`]);
      assert.equal(out.stdout.trim(), "/dev/null");
    }
    // A job that ended is reaped, not left a zombie of this process.
    Deno.kill(-pids[1]!, "SIGKILL");
    let stat = "Z";
    for (let i = 0; i < 100 && stat.startsWith("Z"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      stat = (await runCommand(["ps", "-o", "stat=", "-p", String(pids[1])], {
        allowFailure: true,
      })).stdout.trim();
    }
    assert.equal(stat, "");
  } finally {
    for (const pid of pids) {
      try {
        Deno.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    Deno.removeSync(home, { recursive: true });
  }
});

Deno.test("startDetached() says in one sentence that the job's directory cannot be entered", async () => {
  const runner = new LocalRunner();
  const home = Deno.makeTempDirSync({ prefix: "molq-local-runner-" });
  try {
    await runner.writeFile(`${home}/job.sh`, "exit 0\n", 0o700);
    await runner.startDetached(`${home}/job.sh`, home); // learns the boot id
    for (const _ of ["directly", "again"]) {
      await assert.rejects(
        runner.startDetached("/no/job.sh", "/no/such/dir"),
        /^CommandError: Cannot start the job on this host: cannot enter \/no\/such\/dir\.$/,
      );
    }
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
  await assert.rejects(
    new LocalRunner().startDetached("/no/job.sh", "/no/such/dir"),
    /^CommandError: Cannot start the job on this host: cannot enter \/no\/such\/dir\.$/,
  );
});

Deno.test("writeFile() and makePrivateDir() give the modes asked for, whatever the umask", async () => {
  const home = Deno.makeTempDirSync({ prefix: "molq-local-runner-" });
  const umask = Deno.umask(0o022);
  try {
    await localRunner.makePrivateDir(`${home}/a/b`);
    assert.equal(Deno.statSync(`${home}/a/b`).mode! & 0o777, 0o700);
    // A job directory is made as the parent of its staging directory: private too.
    assert.equal(Deno.statSync(`${home}/a`).mode! & 0o777, 0o700);
    await localRunner.writeFile(`${home}/a/b/f`, "text", 0o600);
    assert.equal(Deno.statSync(`${home}/a/b/f`).mode! & 0o777, 0o600);
    assert.equal(Deno.readTextFileSync(`${home}/a/b/f`), "text");
    await localRunner.writeFile(`${home}/a/b/f`, "again", 0o700);
    assert.equal(Deno.statSync(`${home}/a/b/f`).mode! & 0o777, 0o700);
    await assert.rejects(localRunner.writeFile(`${home}/none/f`, "x", 0o600), Deno.errors.NotFound);
  } finally {
    Deno.umask(umask);
    Deno.removeSync(home, { recursive: true });
  }
});

Deno.test("startDetached() with an environment gives the job that one whole, both ways", async () => {
  const runner = new LocalRunner();
  const home = Deno.makeTempDirSync({ prefix: "molq-local-runner-" });
  try {
    await runner.writeFile(
      `${home}/job.sh`,
      'env > "env.$$.tmp" && mv "env.$$.tmp" "env.$$"\n',
      0o700,
    );
    const env = { ORIGIN: "submitter", PATH: "/usr/bin:/bin" };
    for (const _ of ["through the shell", "directly"]) {
      const started = await runner.startDetached(`${home}/job.sh`, home, env);
      const seen = (await readWhenThere(`${home}/env.${started.pid}`)).trim().split("\n");
      assert.ok(seen.includes("ORIGIN=submitter"), seen.join(" "));
      assert.ok(seen.includes("PATH=/usr/bin:/bin"));
      assert.ok(!seen.some((line) => line.startsWith("HOME=")), "nothing of molq's own");
    }
    const own = await runner.startDetached(`${home}/job.sh`, home);
    const seen = (await readWhenThere(`${home}/env.${own.pid}`)).trim().split("\n");
    assert.ok(seen.includes(`HOME=${Deno.env.get("HOME")}`), "without one: molq's own");
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
});
