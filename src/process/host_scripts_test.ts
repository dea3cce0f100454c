import assert from "node:assert/strict";
import { startDetachedWith } from "./detached_start.ts";
import { localRunner } from "./local_runner.ts";
import { runCommand } from "./run_command.ts";
import { SIGNAL_GROUPS_SH } from "./host_scripts.ts";
import { readWhenThere } from "../testing/read_when_there.ts";

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "molq-host-scripts-" });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("DETACH_SH starts a job that leads its own group, in its directory, ~ expanded", () =>
  withHome(async (home) => {
    await Deno.mkdir(`${home}/work dir`);
    await Deno.writeTextFile(
      `${home}/job.sh`,
      'echo "$$ $(ps -o pgid= -p $$ | tr -d " ") $PWD" >"$HOME/started"; exec sleep 30\n',
    );
    const runner = {
      ...localRunner,
      run: (argv: readonly string[], options = {}) =>
        runCommand(argv, { ...options, env: { ...Deno.env.toObject(), HOME: home } }),
    };
    const started = await startDetachedWith(runner, "~/job.sh", "~/work dir");
    try {
      assert.equal(
        await readWhenThere(`${home}/started`),
        `${started.pid} ${started.pid} ${home}/work dir\n`,
      );
      assert.equal(started.host.hostname, Deno.hostname());
      assert.match(started.host.bootId ?? "", /^[0-9a-f-]{36}$/);
    } finally {
      Deno.kill(-started.pid, "SIGKILL");
    }
  }));

Deno.test("startDetachedWith() says in one sentence why a job could not start", async () => {
  await assert.rejects(
    startDetachedWith(localRunner, "/no/job.sh", "/no/such/dir"),
    /^CommandError: Cannot start the job on this host: cannot enter \/no\/such\/dir\.$/,
  );
});

Deno.test("SIGNAL_GROUPS_SH refuses on another host and ends groups with TERM, then KILL", async () => {
  const refused = await runCommand([
    "/bin/sh",
    "-c",
    SIGNAL_GROUPS_SH,
    "s",
    "not-this-host",
    "1",
    "99999",
  ], {
    allowFailure: true,
  });
  assert.equal(refused.code, 3);
  assert.equal(refused.stdout, `host ${Deno.hostname()}\n`);
  await withHome(async (home) => {
    // One group that ignores TERM: only KILL ends it.
    await Deno.writeTextFile(
      `${home}/job.sh`,
      "trap '' TERM; sleep 30 & echo ready >ready; wait\n",
    );
    const started = await startDetachedWith(localRunner, `${home}/job.sh`, home);
    // Signalled only once TERM is ignored: else TERM alone would end it.
    const ready = () => Deno.stat(`${home}/ready`).then(() => true, () => false);
    for (let i = 0; i < 100 && !(await ready()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const signalled = Date.now();
    const result = await runCommand(
      ["/bin/sh", "-c", SIGNAL_GROUPS_SH, "s", Deno.hostname(), "1", String(started.pid), home],
      { allowFailure: true },
    );
    assert.equal(result.code, 0, result.stderr);
    const ps = await runCommand(["ps", "-A", "-o", "pgid=,stat="]);
    const alive = ps.stdout.split("\n").filter((l) => {
      const [g, s] = l.trim().split(/\s+/);
      return g === String(started.pid) && !s?.startsWith("Z");
    });
    assert.deepEqual(alive, [], "the whole group is gone");
    assert.ok(Date.now() - signalled >= 1_000, "TERM was ignored: KILL came after the grace");
  });
});

Deno.test("SIGNAL_GROUPS_SH leaves alone a live process whose pid a dead wrapper had", async () => {
  await withHome(async (home) => {
    // A process of ours that leads its own group but runs elsewhere: not the job's wrapper.
    await Deno.writeTextFile(`${home}/other.sh`, "sleep 30\n");
    Deno.mkdirSync(`${home}/job`);
    const other = await startDetachedWith(localRunner, `${home}/other.sh`, home);
    try {
      const result = await runCommand(
        [
          "/bin/sh",
          "-c",
          SIGNAL_GROUPS_SH,
          "s",
          Deno.hostname(),
          "1",
          String(other.pid),
          `${home}/job`,
        ],
        { allowFailure: true },
      );
      assert.equal(result.code, 0, result.stderr);
      const ps = await runCommand(["ps", "-o", "stat=", "-p", String(other.pid)], {
        allowFailure: true,
      });
      assert.match(ps.stdout.trim(), /^[^Z]/, "the other process still runs");
    } finally {
      Deno.kill(-other.pid, "SIGKILL");
    }
  });
});
