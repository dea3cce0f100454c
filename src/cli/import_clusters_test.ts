import assert from "node:assert/strict";
import { builtinConfig, type ClusterProfile, type MolqConfig } from "../config/config.ts";
import { MolqError, UsageError } from "../core/errors.ts";
import { checkClusterMap, checkClusterScheduler, importedClusterName } from "./import_clusters.ts";

function profile(name: string, scheduler: ClusterProfile["scheduler"]): ClusterProfile {
  return {
    name,
    scheduler,
    defaults: { resources: {}, scheduling: {} },
    commands: {},
    refresh: {},
  };
}

function configWith(profiles: ClusterProfile[], defaultCluster?: string): MolqConfig {
  const config = builtinConfig();
  for (const p of profiles) config.clusters[p.name] = p;
  if (defaultCluster) config.defaultCluster = defaultCluster;
  return config;
}

Deno.test("importedClusterName() maps cli_KIND to the kind's implicit cluster", () => {
  const config = builtinConfig();
  assert.equal(importedClusterName(config, "cli_local", {}), "local");
  assert.equal(importedClusterName(config, "cli_slurm", {}), "slurm");
  assert.equal(importedClusterName(config, "cli_pbs", {}), "pbs");
  assert.equal(importedClusterName(config, "cli_lsf", {}), "lsf");
});

Deno.test("importedClusterName() follows the profile `molq submit KIND` would use", () => {
  const config = configWith([profile("hpc", "slurm")], "hpc");
  assert.equal(importedClusterName(config, "cli_slurm", {}), "hpc");
  assert.equal(importedClusterName(config, "cli_local", {}), "local");
  const own = configWith([profile("slurm", "slurm"), profile("hpc", "slurm")], "hpc");
  assert.equal(importedClusterName(own, "cli_slurm", {}), "slurm");
});

Deno.test("importedClusterName() keeps profile names and lets --cluster-map win", () => {
  const config = builtinConfig();
  assert.equal(importedClusterName(config, "hpc2", {}), "hpc2");
  assert.equal(importedClusterName(config, "cli_sge", {}), "sge");
  assert.equal(importedClusterName(config, "cli_condor", {}), "cli_condor", "no such kind: kept");
  assert.equal(importedClusterName(config, "cli_slurm", { cli_slurm: "old-slurm" }), "old-slurm");
  assert.throws(() => importedClusterName(config, "my cluster", {}), UsageError);
});

Deno.test("checkClusterMap() refuses a name the file lacks and an invalid target", () => {
  checkClusterMap({ cli_slurm: "s2" }, ["cli_slurm", "cli_local"]);
  assert.throws(
    () => checkClusterMap({ cli_slurn: "s2" }, ["cli_slurm"]),
    /names the cluster "cli_slurn", which the file does not have \(it has cli_slurm\)/,
  );
  assert.throws(() => checkClusterMap({ cli_slurm: "a b" }, ["cli_slurm"]), UsageError);
});

Deno.test("checkClusterScheduler() refuses a target of another scheduler", () => {
  const config = configWith([profile("hpc", "pbs")]);
  checkClusterScheduler(config, "slurm", "cli_slurm", "slurm", undefined);
  checkClusterScheduler(config, "mine", "mine", "slurm", "slurm");
  assert.throws(
    () => checkClusterScheduler(config, "hpc", "hpc", "slurm", undefined),
    (e: unknown) =>
      e instanceof MolqError && /cluster "hpc" here is a pbs cluster/.test(e.message) &&
      /--cluster-map hpc=NAME/.test(e.message),
  );
  assert.throws(() => checkClusterScheduler(config, "mine", "x", "slurm", "lsf"), MolqError);
  assert.throws(() => checkClusterScheduler(config, "local", "x", "slurm", undefined), MolqError);
});
