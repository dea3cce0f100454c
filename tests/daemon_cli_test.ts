/**
 * End to end: `molq daemon` through the real CLI. Local jobs followed with one line per
 * change; SIGTERM and SIGINT end it cleanly; --once, --detach, --status and --stop; two
 * daemons on two hosts (the second in its own UTS and pid namespaces via unshare, sharing
 * the store) of which one is active and the other takes over within three heartbeats of a
 * kill -9; and a scheduler outage that changes no job, is backed off, and is recovered from.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { eventually, ROOT, sandbox } from "./_molq.ts";
import { leaseOf, sleep, startMolq, unshareProblem } from "./_daemon.ts";
import { id, type Json, simBox, TERMINAL, withBox } from "./_sim_cluster.ts";
import { SELF_PERMISSIONS } from "../src/cli/self_command.ts";
import { BINARY_PERMISSIONS } from "./_molq.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  ...options,
  name: "molq daemon follows local jobs with one line per change and ends cleanly on SIGTERM",
  fn: async () => {
    const box = sandbox({ MOLQ_DAEMON_HEARTBEAT: "1s" });
    const failing = (await box.json(["submit", "local", "--", "sh", "-c", "sleep 1; exit 3"]))
      .job_id as string;
    const ok = (await box.json(["submit", "local", "--", "true"])).job_id as string;
    const daemon = startMolq(box, ["daemon", "--interval", "1s"]);
    try {
      await daemon.waitFor(/holds the lease: refreshing/, "the daemon to take the lease");
      await daemon.waitFor(
        new RegExp(`local ${failing.slice(0, 8)} \\(\\d+\\): \\w+ → failed`),
        "the failure",
      );
      await daemon.waitFor(
        new RegExp(`local ${ok.slice(0, 8)} \\(\\d+\\): \\w+ → succeeded`),
        "the success",
      );
      // One line per transition the daemon recorded, none twice.
      const lines = daemon.stderr().split("\n").filter((l) => l.includes(failing.slice(0, 8)));
      const recorded = (await box.json<Json>(["inspect", failing])).transitions as Json[];
      const byDaemon = recorded.filter((t) => t.from !== null && t.from !== "created");
      assert.equal(lines.length, byDaemon.length, daemon.stderr());
      assert.equal(new Set(lines.map((l) => l.replace(/^\S+ /, ""))).size, lines.length);
      assert.match(lines.at(-1)!, /→ failed: Exited with code 3$/);

      const status = await box.json<Json>(["daemon", "--status"]);
      assert.deepEqual([status.running, status.pid, status.host], [
        true,
        daemon.pid,
        Deno.hostname(),
      ]);
      const human = await box.molq(["daemon", "--status"]);
      assert.match(
        human.stdout,
        new RegExp(
          `^molq daemon pid ${daemon.pid} on \\S+ since \\S+ \\(\\d+s\\) holds the lease of `,
        ),
      );
      // A one-shot pass beside a running daemon leaves the work to it.
      const once = await box.molq(["daemon", "--once"]);
      assert.equal(once.code, 0, once.stderr);
      assert.match(once.stderr, /holds the lease; this pass is left to it\.$/m);

      daemon.kill("SIGTERM");
      assert.equal(await daemon.status, 0, daemon.stderr());
      assert.match(
        daemon.stderr(),
        /SIGTERM: stopping after the pass in flight\.\n.*stopped \(SIGTERM\)\.\n$/,
      );
      assert.doesNotMatch(daemon.stderr(), /internal error|^\s+at /m);
      const after = await box.molq(["daemon", "--status"]);
      assert.equal(after.code, 1);
      assert.match(
        after.stderr,
        new RegExp(
          `^molq: No molq daemon is running for \\S+: the last to hold its lease, pid ${daemon.pid} on \\S+, stopped at \\S+\\.\\n$`,
        ),
      );
      // A script gets the same exit code, and the JSON.
      const json = await box.molq(["daemon", "--status", "--json"]);
      assert.equal(json.code, 1);
      assert.deepEqual([JSON.parse(json.stdout).running, JSON.parse(json.stdout).pid], [
        false,
        daemon.pid,
      ]);
      assert.match(json.stderr, /^molq: No molq daemon is running for /);
    } finally {
      daemon.kill("SIGKILL");
    }
  },
});

Deno.test({
  ...options,
  name: "molq daemon ends cleanly on SIGINT while it waits for the lease, and --once runs a pass",
  fn: async () => {
    const box = sandbox({ MOLQ_DAEMON_HEARTBEAT: "1s" });
    const first = startMolq(box, ["daemon", "--interval", "1s"]);
    let second: ReturnType<typeof startMolq> | undefined;
    try {
      await first.waitFor(/holds the lease/, "the first daemon");
      // Started once the first holds the lease: two started together race for it.
      second = startMolq(box, ["daemon"]);
      await second.waitFor(
        /waiting: molq daemon pid \d+ on \S+ since \S+ holds the lease\./,
        "the second to wait",
      );
      second.kill("SIGINT");
      assert.equal(await second.status, 0, second.stderr());
      assert.match(second.stderr(), /stopped \(SIGINT\)\.\n$/);
      assert.equal(leaseOf(box).pid, first.pid, "the waiter never held the lease");
      first.kill("SIGINT");
      assert.equal(await first.status, 0, first.stderr());
      assert.equal(leaseOf(box).owner, null, "a clean stop frees the lease");
      // Without a daemon, --once takes the lease for one pass and frees it.
      const job = (await box.json(["submit", "local", "--", "true"])).job_id as string;
      const once = await eventually(
        async () => {
          const result = await box.molq(["daemon", "--once"]);
          assert.equal(result.code, 0, result.stderr);
          return result.stderr.includes("→ succeeded") ? result : undefined;
        },
        20_000,
        "a --once pass to see the job end",
      );
      assert.match(
        once.stderr,
        new RegExp(`local ${job.slice(0, 8)} \\(\\d+\\): \\w+ → succeeded`),
      );
      assert.equal(leaseOf(box).owner, null);
    } finally {
      first.kill("SIGKILL");
      second?.kill("SIGKILL");
    }
  },
});

Deno.test({
  ...options,
  name: "molq daemon --detach runs in the background with a private log; --stop ends it",
  fn: async () => {
    const box = sandbox({ MOLQ_DAEMON_HEARTBEAT: "1s" });
    const started = await box.molq(["daemon", "--detach", "--interval", "1s"]);
    assert.equal(started.code, 0, started.stderr);
    const log = join(box.home, "daemon.log");
    const match =
      /^molq daemon pid (\d+) runs in the background and holds the lease \(log: (\S+); `molq daemon --stop` stops it\)\.\n$/
        .exec(started.stdout);
    assert.ok(match, started.stdout);
    const pid = Number(match[1]);
    assert.equal(match[2], log);
    assert.equal(Deno.statSync(log).mode! & 0o777, 0o600);
    const status = await box.json<Json>(["daemon", "--status"]);
    assert.deepEqual([status.running, status.pid, status.log], [true, pid, log]);
    const again = await box.molq(["daemon", "--detach"]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      new RegExp(`^molq: The molq daemon pid ${pid} on \\S+ since \\S+ already runs for `),
    );
    const stopped = await box.molq(["daemon", "--stop"]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, new RegExp(`^Stopped the molq daemon pid ${pid} on `));
    await eventually(() => (alive(pid) ? undefined : true), 10_000, "the daemon process to end");
    assert.match(
      Deno.readTextFileSync(log),
      /holds the lease[\s\S]*stopped \((molq daemon --stop|SIGTERM)\)\.\n$/,
    );
    const none = await box.molq(["daemon", "--stop"]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /^No molq daemon is running for /);
  },
});

Deno.test("the daemon restarts itself with the binary's permissions", () => {
  assert.deepEqual([...SELF_PERMISSIONS].sort(), [...BINARY_PERMISSIONS].sort());
  assert.ok(Deno.statSync(join(ROOT, "main.ts")).isFile);
});

Deno.test({
  ...options,
  name:
    "two daemons on two hosts: one is active; the other takes over within three heartbeats of a kill -9",
  fn: async () => {
    const problem = await unshareProblem();
    if (problem !== null) {
      console.log(`SKIPPED the two-host daemon test: unshare is not permitted here (${problem}).`);
      return;
    }
    const heartbeat = 2_000;
    await withBox(
      simBox("pbs", {
        flavour: "pro",
        settings: { PBS_SIM_KILL_DELAY: "1", MOLQ_DAEMON_HEARTBEAT: "2s" },
      }),
      async (box) => {
        const job = await box.submit(["--", "sh", "-c", "sleep 9; exit 4"]);
        const short = id(job).slice(0, 8);
        const a = startMolq(box, ["daemon", "--interval", "1s"]);
        let b: ReturnType<typeof startMolq> | undefined;
        try {
          await a.waitFor(/holds the lease: refreshing/, "daemon A to take the lease");
          b = startMolq(box, ["daemon", "--interval", "1s"], { hostname: "molq-host-b" });
          const here = Deno.hostname();
          await b.waitFor(
            new RegExp(
              `waiting: molq daemon pid ${a.pid} on ${here} since \\S+ holds the lease; refreshing this host's local jobs meanwhile\\.`,
            ),
            "daemon B to wait",
          );
          await a.waitFor(
            new RegExp(`pbssim ${short} \\(\\S+\\): \\w+ → running`),
            "A to see the job run",
          );
          // Three heartbeats with both alive: A stays the only one.
          for (let i = 0; i < 6; i++) {
            assert.deepEqual([leaseOf(box).host, leaseOf(box).pid], [here, a.pid]);
            await sleep(heartbeat / 2);
          }
          assert.doesNotMatch(b.stderr(), /lease: refreshing|took over|pbssim/, b.stderr());
          a.kill("SIGKILL");
          const killedAt = Date.now();
          await a.status;
          const takenAt = await eventually(
            () => (leaseOf(box).host === "molq-host-b" ? Date.now() : undefined),
            6 * heartbeat,
            "daemon B to take over",
          );
          console.log(`daemon B took over ${takenAt - killedAt} ms after the kill`);
          assert.ok(
            takenAt - killedAt <= 3 * heartbeat,
            `took ${takenAt - killedAt} ms, more than three heartbeats (${3 * heartbeat} ms)`,
          );
          await b.waitFor(
            new RegExp(
              `took over the lease from molq daemon pid ${a.pid} on ${here} since \\S+, which stopped beating\\.`,
            ),
            "B's takeover line",
          );
          await b.waitFor(
            new RegExp(`pbssim ${short} \\(\\S+\\): running → failed: Exited with code 4$`, "m"),
            "B to see the job end",
            40_000,
          );
          const status = await box.json<Json>(["daemon", "--status"]);
          assert.deepEqual([status.running, status.host], [true, "molq-host-b"]);
          // --stop from this host reaches the daemon on the other one through the store.
          const stopped = await box.molq(["daemon", "--stop"]);
          assert.equal(stopped.code, 0, stopped.stderr);
          assert.match(stopped.stdout, / on molq-host-b since /);
          assert.equal(await b.status, 0, b.stderr());
          assert.match(b.stderr(), /stopped \(molq daemon --stop\)\.\n$/);
          const record = (await box.records()).get(id(job))!;
          assert.deepEqual([record.state, record.exit_code], ["failed", 4]);
        } finally {
          a.kill("SIGKILL");
          b?.kill("SIGKILL");
        }
      },
    );
  },
});

Deno.test({
  ...options,
  name: "molq daemon under a scheduler outage keeps running, changes no job, backs off, recovers",
  fn: () =>
    withBox(
      simBox("pbs", {
        flavour: "pro",
        settings: { PBS_SIM_KILL_DELAY: "1", MOLQ_DAEMON_HEARTBEAT: "1s" },
      }),
      async (box) => {
        // qstat fails while the fault file exists, like a site whose PBS server is down.
        const aux = Deno.makeTempDirSync({ prefix: "molq-outage-" });
        const fault = join(aux, "down");
        const calls = join(aux, "calls");
        const qstat = join(aux, "qstat");
        const real = join(ROOT, "tests", "fixtures", "pbs_lsf", "qstat");
        Deno.writeTextFileSync(
          qstat,
          `#!/bin/sh\necho "$*" >>'${calls}'\nif [ -e '${fault}' ]; then echo 'qstat: cannot connect to server server (errno=111)' >&2; exit 1; fi\nexec '${real}' "$@"\n`,
        );
        Deno.chmodSync(qstat, 0o755);
        const config = join(box.home, "config.toml");
        Deno.writeTextFileSync(
          config,
          Deno.readTextFileSync(config).replace(/^qstat = .*$/m, `qstat = "${qstat}"`),
        );
        Deno.writeTextFileSync(fault, "");
        const jobs = await Promise.all([
          box.submit(["--", "true"]),
          box.submit(["--", "sh", "-c", "exit 3"]),
        ]);
        const before = await box.records();
        const daemon = startMolq(box, ["daemon", "--interval", "1s"]);
        try {
          await daemon.waitFor(/holds the lease/, "the daemon to start");
          await daemon.waitFor(
            /pbssim: refresh failed: .*\(4 in a row; next try in 8s\)\./,
            "four failures",
            30_000,
          );
          const failures = daemon.stderr().split("\n").filter((l) => l.includes("refresh failed"));
          assert.deepEqual(
            failures.map((l) =>
              /\((\d+) in a row; next try in (\w+)\)/.exec(l)!.slice(1).join(" ")
            ),
            ["1 1s", "2 2s", "3 4s", "4 8s"],
          );
          assert.match(
            failures[0]!,
            /qstat failed with exit code 1: qstat: cannot connect to server/,
          );
          const statusCalls = Deno.readTextFileSync(calls).split("\n").filter((l) =>
            l && !l.includes("--version")
          );
          assert.equal(
            statusCalls.length,
            4,
            "one status query per try, and fewer tries as it goes on",
          );
          // Nothing changed while the scheduler could not answer.
          const during = await box.records();
          for (const job of jobs) {
            const [was, is] = [before.get(id(job))!, during.get(id(job))!];
            assert.deepEqual([is.state, is.exit_code, is.finished_at], [was.state, null, null]);
          }
          assert.doesNotMatch(daemon.stderr(), /→/);
          Deno.removeSync(fault);
          await daemon.waitFor(
            /pbssim: the scheduler answers again after \d+ failed refreshes\./,
            "recovery",
            30_000,
          );
          const [ok, bad] = jobs.map((j) => id(j).slice(0, 8));
          await daemon.waitFor(
            new RegExp(`pbssim ${ok} \\(\\S+\\): \\w+ → succeeded`),
            "the first job to end",
          );
          await daemon.waitFor(
            new RegExp(`pbssim ${bad} \\(\\S+\\): \\w+ → failed: Exited with code 3$`, "m"),
            "the second job to end",
          );
          const after = await box.records();
          assert.ok(jobs.every((j) => TERMINAL.includes(after.get(id(j))!.state as string)));
          daemon.kill("SIGTERM");
          assert.equal(await daemon.status, 0, daemon.stderr());
        } finally {
          daemon.kill("SIGKILL");
        }
      },
    ),
});

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/s.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}
