import assert from "node:assert/strict";
import { clusterLabel, hostsWorthNaming, localHostsOf } from "./job_host.ts";

Deno.test("hosts are named for several hosts, or for one that is not this one", () => {
  assert.equal(hostsWorthNaming([], "login1"), false);
  assert.equal(hostsWorthNaming(["login1", "login1"], "login1"), false);
  assert.equal(hostsWorthNaming(["login2"], "login1"), true);
  assert.equal(hostsWorthNaming(["login1", "login2"], "login1"), true);
});

Deno.test("only local jobs with a known host count, and only they are labelled", () => {
  const records = [
    { scheduler: "local" as const, host: "login2", cluster: "local" },
    { scheduler: "local" as const, host: null, cluster: "local" },
    { scheduler: "slurm" as const, host: "node7", cluster: "hpc" },
  ];
  assert.deepEqual([...localHostsOf(records)], ["login2"]);
  assert.deepEqual(records.map((r) => clusterLabel(r, true)), ["local@login2", "local", "hpc"]);
});
