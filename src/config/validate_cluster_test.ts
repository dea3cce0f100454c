import assert from "node:assert/strict";
import { readClusterProfile } from "./validate_cluster.ts";
import { Problems } from "./_fields.ts";

const env = (name: string) => ({ HOME: "/home/ada" } as Record<string, string>)[name];

Deno.test("readClusterProfile() reads a full pbs profile", () => {
  const problems = new Problems();
  const profile = readClusterProfile(
    "pbs1",
    {
      scheduler: "pbs",
      flavour: "pro",
      jobs_dir: "~/jobs",
      defaults: { time: "1d" },
      commands: { qsub: "~/bin/qsub", qstat: "/usr/bin/qstat" },
      refresh: { min_interval: 45 },
      retry: { attempts: 2 },
    },
    problems,
    env,
  );
  assert.deepEqual(problems.list, []);
  assert.deepEqual(profile, {
    name: "pbs1",
    scheduler: "pbs",
    flavour: "pro",
    jobsDir: "/home/ada/jobs",
    defaults: { resources: { timeLimitSeconds: 86400 }, scheduling: {} },
    commands: { qsub: "/home/ada/bin/qsub", qstat: "/usr/bin/qstat" },
    refresh: { minIntervalSeconds: 45 },
    retry: { attempts: 2 },
  });
});

Deno.test("readClusterProfile() lets a profile named after a kind leave out its scheduler", () => {
  const problems = new Problems();
  assert.equal(readClusterProfile("lsf", {}, problems, env)?.scheduler, "lsf");
  assert.equal(readClusterProfile("lsf", { scheduler: "lsf" }, problems, env)?.scheduler, "lsf");
  assert.deepEqual(problems.list, []);
});

Deno.test("readClusterProfile() checks every field even when the scheduler is unknown", () => {
  const problems = new Problems();
  const profile = readClusterProfile(
    "x",
    {
      scheduler: "condor",
      defaults: { mem: "lots" },
      commands: { qsub: "/q", nope: "/n" },
    },
    problems,
    env,
  );
  assert.equal(profile, undefined);
  assert.deepEqual(problems.list.map((p) => p.at), [
    "clusters.x.scheduler",
    "clusters.x.defaults.mem",
    "clusters.x.commands.nope",
  ]);
});

Deno.test("readClusterProfile() takes a parallel environment for sge profiles only", () => {
  const problems = new Problems();
  const sge = readClusterProfile(
    "grid",
    { scheduler: "sge", parallel_environment: "mpi-smp", commands: { qacct: "/site/qacct" } },
    problems,
    env,
  );
  assert.deepEqual([sge?.parallelEnvironment, sge?.commands], ["mpi-smp", {
    qacct: "/site/qacct",
  }]);
  assert.equal(problems.list.length, 0);
  const wrong = new Problems();
  readClusterProfile("hpc", { scheduler: "slurm", parallel_environment: "smp" }, wrong, env);
  readClusterProfile("sge", { parallel_environment: "a b" }, wrong, env);
  readClusterProfile("pbs", { commands: { qacct: "/q" } }, wrong, env);
  assert.deepEqual(wrong.list.map((p) => [p.at, p.message]), [
    [
      "clusters.hpc.parallel_environment",
      "only sge profiles take a parallel environment, not slurm ones",
    ],
    [
      "clusters.sge.parallel_environment",
      'invalid parallel environment name "a b" (use letters, digits, "_", "." and "-")',
    ],
    ["clusters.pbs.commands.qacct", "qacct is a sge command, not a pbs one"],
  ]);
});

Deno.test("readClusterProfile() returns nothing for an invalid name but still checks the table", () => {
  const problems = new Problems();
  assert.equal(
    readClusterProfile("a b", { scheduler: "local", jobs_dir: "$NOPE" }, problems, env),
    undefined,
  );
  assert.deepEqual(problems.list.map((p) => p.at), ['clusters."a b"', 'clusters."a b".jobs_dir']);
});

Deno.test("readClusterProfile() reads a remote profile; its jobs_dir stays a path over there", () => {
  const problems = new Problems();
  const profile = readClusterProfile(
    "hpc",
    {
      scheduler: "slurm",
      host: "alice@login.hpc.example.org",
      ssh_options: ["-F", "~/.ssh/config.hpc", "-o", "ServerAliveInterval=30"],
      auth: "interactive",
      jobs_dir: "~/molq-jobs",
    },
    problems,
    env,
  );
  assert.deepEqual(problems.list, []);
  assert.deepEqual(profile?.remote, {
    host: "alice@login.hpc.example.org",
    sshOptions: ["-F", "/home/ada/.ssh/config.hpc", "-o", "ServerAliveInterval=30"],
    auth: "interactive",
  });
  assert.equal(profile?.jobsDir, "~/molq-jobs", "not expanded on this machine");
  const keys = readClusterProfile("k", { scheduler: "local", host: "k" }, problems, env);
  assert.equal(keys?.remote?.auth, "batch", "keys by default");
});

Deno.test("readClusterProfile() names every problem of a remote profile", () => {
  const problems = new Problems();
  readClusterProfile(
    "bad",
    {
      scheduler: "slurm",
      host: "-oProxyCommand=evil",
      ssh_options: "-v",
      auth: "password",
      jobs_dir: "relative/dir",
    },
    problems,
    env,
  );
  const messages = problems.list.map((p) => `${p.at}: ${p.message}`);
  assert.ok(messages.some((m) => m.startsWith("clusters.bad.host: expected an ssh destination")));
  assert.ok(messages.some((m) => m.startsWith("clusters.bad.auth:")), messages.join("\n"));
  const more = new Problems();
  readClusterProfile("b2", { scheduler: "local", ssh_options: ["-v"] }, more, env);
  assert.ok(more.list.some((p) => /only a profile with a host/.test(p.message)));
  const unsafe = new Problems();
  readClusterProfile(
    "b3",
    { scheduler: "local", host: "h", ssh_options: ["-o", "StrictHostKeyChecking=no"] },
    unsafe,
    env,
  );
  assert.ok(unsafe.list.some((p) => /never turns off host key checking/.test(p.message)));
  const relative = new Problems();
  readClusterProfile("b4", { scheduler: "slurm", host: "h", jobs_dir: "jobs" }, relative, env);
  assert.ok(relative.list.some((p) => /absolute or start with ~\//.test(p.message)));
});
