/**
 * Remote clusters end to end through the real CLI, against a private sshd on loopback
 * whose `molqcluster` account is the cluster side: remote job directories and processes
 * really belong to another user. The dev SLURM cluster serves the remote SLURM steps.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BINARY_PERMISSIONS,
  collectText,
  eventually,
  MAIN,
  type Sandbox,
  sandbox,
} from "./_molq.ts";
import { tmux, waitForScreen } from "./_tmux.ts";
import {
  acceptedLogins,
  ready,
  sessionsStarted,
  SKIP_REASON,
  sshConfig,
  sshd,
  stopServer,
} from "./ssh_server.ts";
import { runCommand } from "../src/process/run_command.ts";

type Json = Record<string, unknown>;
const TERMINAL = ["succeeded", "failed", "cancelled", "timed_out", "lost"];

function remoteBox(): Sandbox {
  const box = sandbox({ MOLQ_MIN_POLL_INTERVAL: "1s" });
  Deno.mkdirSync(box.home, { recursive: true });
  const ssh = `ssh_options = ["-F", "${sshConfig}"]`;
  Deno.writeTextFileSync(
    join(box.home, "config.toml"),
    [
      `[clusters.far]\nscheduler = "local"\nhost = "molq-test"\n${ssh}`,
      `[clusters.farslurm]\nscheduler = "slurm"\nhost = "molq-test"\n${ssh}`,
      // Its own control socket, so the master of `far` is not its master.
      `[clusters.mfa]\nscheduler = "local"\nhost = "molq-test"\nauth = "interactive"\n` +
      `ssh_options = ["-F", "${sshConfig}", "-o", "ControlPath=${box.home}/mfa-%C"]`,
      `[clusters.nowhere]\nscheduler = "local"\nhost = "molq-test"\n` +
      `ssh_options = ["-F", "${sshConfig}", "-o", "Port=1"]`,
    ].join("\n\n") + "\n",
  );
  return box;
}

async function finished(box: Sandbox, id: string): Promise<Json> {
  return await eventually(
    async () => {
      const job = await box.json<Json>(["status", id]);
      return TERMINAL.includes(job.state as string) ? job : undefined;
    },
    60_000,
    `job ${id.slice(0, 8)} to finish`,
  );
}

/** Command lines of the cluster account's processes (seen from the cluster side). */
async function remoteProcesses(): Promise<string> {
  const result = await runCommand(["ps", "-u", "molqcluster", "-o", "args="], {
    allowFailure: true,
  });
  return result.stdout;
}

/** This machine's ssh processes using the control socket `path` (pid and command line). */
async function mastersOn(path: string): Promise<string> {
  const result = await runCommand(["pgrep", "-af", `^ssh .*-S ${path} `], { allowFailure: true });
  return result.stdout;
}

async function slurmUp(): Promise<boolean> {
  if (Deno.env.get("MOLQ_SLURM_TESTS") === "skip") return false;
  const result = await runCommand(["sinfo", "-h"], { allowFailure: true }).catch(() => null);
  return result?.code === 0;
}

Deno.test({
  name: "remote clusters over SSH: connect, submit, logs, cancel, limits, link cut, SLURM",
  ignore: SKIP_REASON !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await ready;
    const box = remoteBox();
    try {
      await t.step("an interactive cluster without a master never dials", async () => {
        const before = await acceptedLogins();
        const result = await box.molq(["submit", "--cluster", "mfa", "--", "true"]);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /molq connect mfa/);
        assert.equal(await acceptedLogins(), before, "no connection was opened");
        assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), []);
      });

      await t.step("an unreachable host: exit 1, one sentence naming the cluster", async () => {
        const result = await box.molq(["submit", "--cluster", "nowhere", "--", "true"]);
        assert.equal(result.code, 1);
        assert.match(result.stderr, /^molq: [^\n]*"nowhere"[^\n]*\n(hint: [^\n]*\n)?$/);
        assert.deepEqual(await box.json<Json[]>(["list", "--all", "--no-refresh"]), []);
      });

      let loginsAfterConnect = 0;
      await t.step("connect opens one master; later calls only attach", async () => {
        const connected = await box.molq(["connect", "far"]);
        assert.equal(connected.code, 0, connected.stderr);
        assert.match(connected.stdout, /^far: connected to molq-test\.\n$/);
        const again = await box.molq(["connect", "far"]);
        assert.match(again.stdout, /already connected/);
        loginsAfterConnect = await acceptedLogins();
      });

      await t.step("a failing job: exit 3 and both logs read back from the cluster", async () => {
        const job = await box.json<Json>([
          "submit",
          "--cluster",
          "far",
          "--command",
          "echo out; echo err >&2; exit 3",
        ]);
        assert.match(job.job_dir as string, /^\/home\/molqcluster\/\.molq\/jobs\//);
        assert.equal(job.cwd, "/home/molqcluster", "works in the remote home");
        const done = await finished(box, job.job_id as string);
        assert.equal(done.state, "failed");
        assert.equal(done.exit_code, 3);
        const out = await box.molq(["logs", job.job_id as string]);
        assert.equal(out.stdout, "out\n", out.stderr);
        const err = await box.molq(["logs", job.job_id as string, "--stream", "stderr"]);
        assert.equal(err.stdout, "err\n");
        const mode = (await runCommand(["stat", "-c", "%a %U", job.job_dir as string])).stdout;
        assert.equal(mode.trim(), "700 molqcluster", "a private job directory over there");
      });

      await t.step(
        "logs --follow reads a remote log as it grows, and ends with the job",
        async () => {
          const job = await box.json<Json>([
            "submit",
            "--cluster",
            "far",
            "--command",
            "for i in 1 2 3; do echo line $i; sleep 1; done",
          ]);
          const followed = await box.molq(["logs", job.job_id as string, "--follow"]);
          assert.equal(followed.code, 0, followed.stderr);
          assert.equal(followed.stdout, "line 1\nline 2\nline 3\n");
          const tail = await box.molq(["logs", job.job_id as string, "--tail", "1"]);
          assert.equal(tail.stdout, "line 3\n");
        },
      );

      await t.step("success, --time and a dependency chain on the remote host", async () => {
        const ok = await box.json<Json>([
          "submit",
          "--cluster",
          "far",
          "--",
          "sh",
          "-c",
          "sleep 1; echo hi",
        ]);
        const next = await box.json<Json>([
          "submit",
          "--cluster",
          "far",
          "--after-ok",
          ok.job_id as string,
          "--",
          "true",
        ]);
        const slow = await box.json<Json>([
          "submit",
          "--cluster",
          "far",
          "--time",
          "2s",
          "--",
          "sleep",
          "60",
        ]);
        assert.equal((await finished(box, ok.job_id as string)).state, "succeeded");
        assert.equal((await finished(box, next.job_id as string)).state, "succeeded");
        const timed = await finished(box, slow.job_id as string);
        assert.equal(timed.state, "timed_out");
        assert.equal(timed.host, Deno.hostname(), "the host it ran on over there");
      });

      await t.step("a local array runs on the remote host, its tasks' logs read back", async () => {
        const array = await box.json<Json>([
          "submit",
          "--cluster",
          "far",
          "--array",
          "0-2%2",
          "--command",
          'echo "task $MOLQ_ARRAY_TASK_ID"; test "$MOLQ_ARRAY_TASK_ID" != 2',
        ]);
        const done = await finished(box, array.job_id as string);
        assert.equal(done.state, "failed");
        assert.match(String(done.failure_reason), /task 2 failed/);
        const logs = await box.molq(["logs", array.job_id as string, "--task", "1"]);
        assert.equal(logs.stdout, "task 1\n", logs.stderr);
      });

      await t.step("cancel ends the whole remote process tree", async () => {
        const job = await box.json<Json>([
          "submit",
          "--cluster",
          "far",
          "--command",
          "sleep 300 & sleep 301; wait",
        ]);
        const id = job.job_id as string;
        await eventually(
          async () => {
            const state = (await box.json<Json>(["status", id])).state;
            return state === "running" ? state : undefined;
          },
          30_000,
          "the remote job to run",
        );
        assert.match(await remoteProcesses(), /sleep 301/);
        const cancel = await box.molq(["cancel", id]);
        assert.equal(cancel.code, 0, cancel.stderr);
        assert.equal((await box.json<Json>(["status", id])).state, "cancelled");
        await eventually(
          async () => (/sleep 30[01]/.test(await remoteProcesses()) ? undefined : true),
          15_000,
          "no remote process left",
        );
      });

      await t.step(
        "the dashboard shows remote and local jobs in one screen, with a remote log tail",
        async () => {
          await box.json<Json>(["submit", "local", "--name", "here-job", "--", "sleep", "30"]);
          await box.json<Json>([
            "submit",
            "--cluster",
            "far",
            "--name",
            "far-ticker",
            "--command",
            "for i in $(seq 1 40); do echo far tick $i; sleep 0.5; done",
          ]);
          const session = `molq-remote-${crypto.randomUUID().slice(0, 8)}`;
          const env = Object.entries(box.env).map(([k, v]) => `${k}='${v}'`).join(" ");
          const command = `env ${env} ${Deno.execPath()} run --quiet ${
            BINARY_PERMISSIONS.join(" ")
          } ${MAIN} monitor --refresh 1; sleep 30`;
          await tmux(
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "120",
            "-y",
            "30",
            "-c",
            box.cwd,
            command,
          );
          try {
            await waitForScreen(
              session,
              /far-ticker[\s\S]*here-job|here-job[\s\S]*far-ticker/,
              "both jobs",
            );
            await tmux("send-keys", "-t", session, "/", "far-ticker", "Enter");
            await waitForScreen(session, /far-ticker/, "the filtered list", /here-job/);
            await tmux("send-keys", "-t", session, "Enter");
            await waitForScreen(session, /far tick 3\b/, "the remote log tail");
            await tmux("send-keys", "-t", session, "q");
          } finally {
            await tmux("kill-session", "-t", session).catch(() => "");
          }
        },
      );

      await t.step("doctor checks remote clusters over the link, and never dials mfa", async () => {
        const doctor = await box.molq(["doctor", "--json"]);
        const checks = JSON.parse(doctor.stdout) as Json[];
        const far = checks.find((c) => c.name === "cluster far")!;
        assert.match(String(far.detail), /^local on molq-test \(link connected\): ps from procps/);
        const mfa = checks.find((c) => c.name === "cluster mfa")!;
        assert.equal(mfa.level, "warning");
        assert.equal(mfa.fix, "run molq connect mfa");
      });

      await t.step("everything since connect reused the one authenticated connection", async () => {
        assert.equal(await acceptedLogins(), loginsAfterConnect);
        const sessions = await sessionsStarted();
        assert.ok(sessions > 0);
        const clusters = await box.json<Json[]>(["clusters"]);
        const far = clusters.find((c) => c.name === "far")!;
        assert.equal(far.link, "connected");
        assert.equal(far.connections_last_hour, 1);
      });

      await t.step("a cut link changes no job and says so; reconnecting resolves all", async () => {
        const job = await box.json<Json>([
          "submit",
          "--cluster",
          "far",
          "--command",
          "sleep 4; exit 5",
        ]);
        const id = job.job_id as string;
        await sshd("kill-connections");
        for (let i = 0; i < 3; i++) {
          const refresh = await box.molq(["refresh", "--force"]);
          assert.equal(refresh.code, 1);
          assert.match(refresh.stderr, /far/);
          await new Promise((resolve) => setTimeout(resolve, 1_100));
        }
        assert.equal((await box.json<Json>(["status", id, "--no-refresh"])).state, "submitted");
        // Showing jobs still works, and says that what it shows is not fresh.
        for (const args of [["status", id], ["list"], ["status", id, "--json"]]) {
          const shown = await box.molq(args);
          assert.equal(shown.code, 0, shown.stderr);
          assert.match(shown.stdout, /submitted/);
          assert.match(
            shown.stderr,
            /^molq: Refresh of far failed: .+; its jobs are shown as last recorded\.\n$/,
          );
        }
        const clusters = await box.json<Json[]>(["clusters"]);
        assert.match(String(clusters.find((c) => c.name === "far")!.link), /^unreachable since /);
        await sshd("start");
        const connected = await box.molq(["connect", "far"]);
        assert.equal(connected.code, 0, connected.stderr);
        const done = await finished(box, id);
        assert.equal(done.state, "failed");
        assert.equal(done.exit_code, 5, "its true state, from the files it wrote");
      });

      await t.step("logs --follow waits out a cut link and prints every line once", async () => {
        const job = await box.json<Json>([
          "submit",
          "--cluster",
          "far",
          "--command",
          "for i in 1 2 3 4 5 6 7 8; do echo line $i; sleep 1; done",
        ]);
        const follow = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--quiet",
            ...BINARY_PERMISSIONS,
            MAIN,
            "logs",
            job.job_id as string,
            "--follow",
          ],
          cwd: box.cwd,
          env: { ...box.env, INIT_CWD: "", MOLQ_CALLER_CWD: "" },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const stdout = collectText(follow.stdout);
        const stderr = collectText(follow.stderr);
        try {
          await eventually(
            () => stdout.text().includes("line 2") || undefined,
            30_000,
            "the first lines",
          );
          await sshd("kill-connections");
          await eventually(
            () =>
              /following again once it answers \(Ctrl-C stops\)\.\n/.test(stderr.text()) ||
              undefined,
            30_000,
            "the lost link to be told",
          );
          await new Promise((resolve) => setTimeout(resolve, 2_000));
          await sshd("start");
          assert.equal((await box.molq(["connect", "far"])).code, 0);
          const status = await follow.status;
          await Promise.all([stdout.done, stderr.done]);
          assert.equal(status.code, 0, stderr.text());
          assert.equal(stdout.text(), [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `line ${i}\n`).join(""));
          assert.match(stderr.text(), /answers again; following on\.\n/);
          assert.doesNotMatch(stderr.text(), /internal error|^\s+at /m);
        } finally {
          try {
            follow.kill("SIGKILL");
          } catch {
            // it ended
          }
        }
      });

      await t.step("MaxSessions 1 on the server still works", async () => {
        await box.molq(["disconnect", "far"]);
        await sshd("start", { MOLQ_SSHD_MAX_SESSIONS: "1" });
        assert.equal((await box.molq(["connect", "far"])).code, 0);
        const job = await box.json<Json>(["submit", "--cluster", "far", "--", "echo", "one"]);
        assert.equal((await finished(box, job.job_id as string)).state, "succeeded");
        assert.equal((await box.molq(["logs", job.job_id as string])).stdout, "one\n");
        await box.molq(["disconnect", "far"]);
        await sshd("start", { MOLQ_SSHD_MAX_SESSIONS: "10" });
      });

      await t.step("SLURM through ssh: a job and an array", async () => {
        if (!(await slurmUp())) {
          console.error("SKIPPED remote SLURM step: the dev SLURM cluster is not running.");
          return;
        }
        assert.equal((await box.molq(["connect", "farslurm"])).code, 0);
        const job = await box.json<Json>([
          "submit",
          "--cluster",
          "farslurm",
          "--",
          "echo",
          "from slurm",
        ]);
        const array = await box.json<Json>([
          "submit",
          "--cluster",
          "farslurm",
          "--array",
          "0-2",
          "--command",
          'test "$SLURM_ARRAY_TASK_ID" != 1',
        ]);
        const done = await finished(box, job.job_id as string);
        assert.equal(done.state, "succeeded", String(done.failure_reason));
        assert.equal((await box.molq(["logs", job.job_id as string])).stdout, "from slurm\n");
        const arrayDone = await finished(box, array.job_id as string);
        assert.equal(arrayDone.state, "failed");
        assert.match(String(arrayDone.failure_reason), /1 of 3 array tasks/);
      });
      await t.step("a master killed with -9 leaves a socket: connect replaces it", async () => {
        // Added only now (doctor above would have dialed it), with a socket of its own.
        Deno.writeTextFileSync(
          join(box.home, "config.toml"),
          `\n[clusters.stale]\nscheduler = "local"\nhost = "molq-test"\n` +
            `ssh_options = ["-F", "${sshConfig}", "-o", "ControlPath=${box.home}/stale-%C"]\n`,
          { append: true },
        );
        assert.equal((await box.molq(["connect", "stale"])).code, 0);
        const socket = [...Deno.readDirSync(box.home)].find((e) => e.name.startsWith("stale-"));
        assert.ok(socket, "the master's socket is in the box");
        const path = join(box.home, socket.name);
        const killMaster = async () => {
          const check = await runCommand([
            "ssh",
            "-F",
            sshConfig,
            "-S",
            path,
            "-O",
            "check",
            "molq-test",
          ], {
            allowFailure: true,
          });
          const pid = Number(check.stderr.match(/pid=(\d+)/)?.[1]);
          assert.ok(pid > 0, check.stderr);
          Deno.kill(pid, "SIGKILL");
          await eventually(
            async () => !(await mastersOn(path)).includes(String(pid)) || undefined,
            10_000,
            "the master to die",
          );
        };
        await killMaster();
        assert.ok(Deno.statSync(path).isSocket, "the dead master's socket is left behind");
        const again = await box.molq(["connect", "stale"]);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /^stale: connected to molq-test\.\n$/);
        const masters = (await mastersOn(path)).trim().split("\n");
        assert.equal(masters.length, 1, `one ssh, the new master: ${masters.join("; ")}`);
        const job = await box.json<Json>(["submit", "--cluster", "stale", "--", "true"]);
        assert.equal((await finished(box, job.job_id as string)).state, "succeeded");

        await killMaster();
        const gone = await box.molq(["disconnect", "stale"]);
        assert.equal(gone.code, 0, gone.stderr);
        assert.match(gone.stdout, /not connected/);
        assert.throws(
          () => Deno.statSync(path),
          Deno.errors.NotFound,
          "the stale socket is removed",
        );
      });
      await t.step("a remote command molq gave up on is ended on the cluster too", async () => {
        // A site's sbatch that never answers (as on a controller that hangs).
        const ssh = ["ssh", "-F", sshConfig, "molq-test"];
        const home = (await runCommand([...ssh, "echo $HOME"])).stdout.trim();
        await runCommand([...ssh, "cat >hang-sbatch && chmod +x hang-sbatch"], {
          stdin: "#!/bin/sh\nexec sleep 299\n",
        });
        Deno.writeTextFileSync(
          join(box.home, "config.toml"),
          `\n[clusters.hung]\nscheduler = "slurm"\nhost = "molq-test"\n` +
            `ssh_options = ["-F", "${sshConfig}"]\n[clusters.hung.commands]\n` +
            `sbatch = "${home}/hang-sbatch"\n[clusters.hung.refresh]\ncommand_timeout = "2s"\n`,
          { append: true },
        );
        const submit = await box.molq(["submit", "--cluster", "hung", "--", "true"]);
        assert.equal(submit.code, 1, submit.stderr);
        assert.match(submit.stderr, /no answer within 2 s/);
        assert.match(await remoteProcesses(), /sleep 299/, "it still runs just after");
        await eventually(
          async () => !/sleep 299/.test(await remoteProcesses()) || undefined,
          30_000,
          "the cluster to end the command molq gave up on",
        );
      });
      await t.step(
        "a socket in the way of the master: connect fails and leaves no ssh",
        async () => {
          // Something else listens at the control path: ssh logs in, cannot make its master
          // there, and (with -f) would go on in the background as a plain session.
          const path = join(box.home, "blocked.sock");
          // In a process of its own: tests run without net permission, as the binary does.
          const listener = new Deno.Command(Deno.execPath(), {
            args: [
              "eval",
              `const l = Deno.listen({ transport: "unix", path: ${JSON.stringify(path)} });` +
              "for await (const c of l) c.close();",
            ],
            stdin: "null",
            stdout: "null",
            stderr: "null",
          }).spawn();
          try {
            await eventually(
              () => {
                try {
                  return Deno.statSync(path).isSocket || undefined;
                } catch {
                  return undefined;
                }
              },
              10_000,
              "the listener on the socket",
            );
            Deno.writeTextFileSync(
              join(box.home, "config.toml"),
              `\n[clusters.blocked]\nscheduler = "local"\nhost = "molq-test"\n` +
                `ssh_options = ["-F", "${sshConfig}", "-o", "ControlPath=${path}"]\n`,
              { append: true },
            );
            const connect = await box.molq(["connect", "blocked"]);
            assert.equal(connect.code, 1, connect.stderr);
            assert.match(connect.stderr, /master connection did not start\.\n/);
            await eventually(
              async () => (await mastersOn(path)).trim() === "" || undefined,
              10_000,
              "no ssh left on the blocked socket",
            );
          } finally {
            listener.kill("SIGKILL");
            await listener.status;
          }
        },
      );
      await t.step("a failing ProxyCommand's own words reach the error", async () => {
        // ssh sends a ProxyCommand's stderr to /dev/null for a persistent master.
        Deno.writeTextFileSync(
          join(box.home, "config.toml"),
          `\n[clusters.proxied]\nscheduler = "local"\nhost = "molq-test"\n` +
            `ssh_options = ["-F", "${sshConfig}", "-o", ` +
            `"ProxyCommand=sh -c 'echo gate.example: no route to the cluster >&2; exit 1'", ` +
            `"-o", "ControlPath=${box.home}/proxied-%C"]\n`,
          { append: true },
        );
        const connect = await box.molq(["connect", "proxied"]);
        assert.equal(connect.code, 1);
        assert.equal(
          connect.stderr,
          'molq: Cannot connect to cluster "proxied" (ssh molq-test): gate.example: no route to the cluster.\n',
        );
      });
    } finally {
      await box.molq(["disconnect", "stale"]).catch(() => {});
      await box.molq(["disconnect", "far"]).catch(() => {});
      await box.molq(["disconnect", "farslurm"]).catch(() => {});
      await stopServer();
    }
  },
});
