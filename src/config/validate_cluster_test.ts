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
      scheduler: "sge",
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

Deno.test("readClusterProfile() returns nothing for an invalid name but still checks the table", () => {
  const problems = new Problems();
  assert.equal(
    readClusterProfile("a b", { scheduler: "local", jobs_dir: "$NOPE" }, problems, env),
    undefined,
  );
  assert.deepEqual(problems.list.map((p) => p.at), ['clusters."a b"', 'clusters."a b".jobs_dir']);
});
