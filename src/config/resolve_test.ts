import assert from "node:assert/strict";
import { UsageError } from "../core/errors.ts";
import type { ClusterSettings } from "../api/cluster.ts";
import { builtinConfig, type MolqConfig } from "./config.ts";
import { loadConfig, parseConfigText } from "./load_config.ts";
import {
  clusterRuntimeSettings,
  resolveCluster,
  resolveSubmitDefaults,
  type SubmitDefaults,
  type SubmitFlags,
} from "./resolve.ts";

const G = 1024 ** 3;
const env = (name: string) => ({ USER: "ada", HOME: "/home/ada" } as Record<string, string>)[name];

function configOf(text: string): MolqConfig {
  const check = parseConfigText(text, { path: "/c.toml", env });
  assert.deepEqual(check.problems, [], text);
  return check.config!;
}

/** A config with `key` set at the top level and/or in the hpc profile, in `section`. */
function layeredConfig(section: string, key: string, top?: string, profile?: string): MolqConfig {
  const lines: string[] = [];
  if (top !== undefined) lines.push(section ? `[${section}]` : "", `${key} = ${top}`);
  lines.push("[clusters.hpc]", 'scheduler = "slurm"');
  if (profile !== undefined) {
    lines.push(section ? `[clusters.hpc.${section}]` : "", `${key} = ${profile}`);
  }
  return configOf(lines.join("\n"));
}

interface FieldCase {
  section: "defaults" | "retry" | "";
  key: string;
  top: string;
  profile: string;
  flags: SubmitFlags;
  read: (defaults: SubmitDefaults) => unknown;
  /** Expected from the flag, the profile, the top level, and built in. */
  expected: [unknown, unknown, unknown, unknown];
}

// deno-fmt-ignore
const FIELDS: FieldCase[] = [
  { section: "defaults", key: "cpus", top: "1", profile: "4", flags: { resources: { cpus: 8 } }, read: (d) => d.resources.cpus, expected: [8, 4, 1, undefined] },
  { section: "defaults", key: "mem", top: '"2G"', profile: '"16G"', flags: { resources: { memoryBytes: 64 * G } }, read: (d) => d.resources.memoryBytes, expected: [64 * G, 16 * G, 2 * G, undefined] },
  { section: "defaults", key: "time", top: '"1h"', profile: '"4h"', flags: { resources: { timeLimitSeconds: 60 } }, read: (d) => d.resources.timeLimitSeconds, expected: [60, 14400, 3600, undefined] },
  { section: "defaults", key: "gpus", top: "1", profile: "2", flags: { resources: { gpus: 4 } }, read: (d) => d.resources.gpus, expected: [4, 2, 1, undefined] },
  { section: "defaults", key: "gpu_type", top: '"v100"', profile: '"a100"', flags: { resources: { gpuType: "h100" } }, read: (d) => d.resources.gpuType, expected: ["h100", "a100", "v100", undefined] },
  { section: "defaults", key: "nodes", top: "1", profile: "2", flags: { resources: { nodes: 3 } }, read: (d) => d.resources.nodes, expected: [3, 2, 1, undefined] },
  { section: "defaults", key: "exclusive", top: "false", profile: "true", flags: { resources: { exclusive: false } }, read: (d) => d.resources.exclusive, expected: [false, true, false, undefined] },
  { section: "defaults", key: "partition", top: '"short"', profile: '"gpu"', flags: { scheduling: { partition: "debug" } }, read: (d) => d.scheduling.partition, expected: ["debug", "gpu", "short", undefined] },
  { section: "defaults", key: "account", top: '"top"', profile: '"proj123"', flags: { scheduling: { account: "mine" } }, read: (d) => d.scheduling.account, expected: ["mine", "proj123", "top", undefined] },
  { section: "defaults", key: "qos", top: '"low"', profile: '"normal"', flags: { scheduling: { qos: "high" } }, read: (d) => d.scheduling.qos, expected: ["high", "normal", "low", undefined] },
  { section: "defaults", key: "reservation", top: '"r1"', profile: '"r2"', flags: { scheduling: { reservation: "r3" } }, read: (d) => d.scheduling.reservation, expected: ["r3", "r2", "r1", undefined] },
  { section: "retry", key: "attempts", top: "2", profile: "3", flags: { retry: { attempts: 5 } }, read: (d) => d.retry.attempts, expected: [5, 3, 2, 1] },
  { section: "retry", key: "backoff", top: '"1m"', profile: '"2m"', flags: { retry: { backoffSeconds: 5 } }, read: (d) => d.retry.backoffSeconds, expected: [5, 120, 60, 30] },
  { section: "retry", key: "on_exit_codes", top: "[1]", profile: "[2, 3]", flags: { retry: { onExitCodes: [9] } }, read: (d) => d.retry.onExitCodes, expected: [[9], [2, 3], [1], []] },
  { section: "", key: "jobs_dir", top: '"~/top"', profile: '"/scratch/$USER"', flags: { jobsDir: "/flag" }, read: (d) => d.jobsDir, expected: ["/flag", "/scratch/ada", "/home/ada/top", undefined] },
];

Deno.test("resolveSubmitDefaults() takes each field from flag > profile > top level > built-in", () => {
  for (const field of FIELDS) {
    const label = `${field.section}.${field.key}`;
    const both = layeredConfig(field.section, field.key, field.top, field.profile);
    const topOnly = layeredConfig(field.section, field.key, field.top);
    const none = layeredConfig(field.section, field.key);
    const [fromFlag, fromProfile, fromTop, builtIn] = field.expected;
    assert.deepEqual(field.read(resolveSubmitDefaults(both, "hpc", field.flags)), fromFlag, label);
    assert.deepEqual(field.read(resolveSubmitDefaults(both, "hpc")), fromProfile, label);
    assert.deepEqual(field.read(resolveSubmitDefaults(topOnly, "hpc")), fromTop, label);
    assert.deepEqual(field.read(resolveSubmitDefaults(none, "hpc")), builtIn, label);
    // A flag for another field does not hide this one.
    assert.deepEqual(
      field.read(resolveSubmitDefaults(both, "hpc", { resources: {}, scheduling: {}, retry: {} })),
      fromProfile,
      label,
    );
  }
});

Deno.test("resolveSubmitDefaults() merges env key by key and ignores undefined flag fields", () => {
  const config = configOf(
    '[defaults.env]\nA = "top"\nB = "top"\n[clusters.hpc]\nscheduler = "slurm"\n[clusters.hpc.defaults.env]\nB = "hpc"\nC = "hpc"',
  );
  const defaults = resolveSubmitDefaults(config, "hpc", {
    env: { C: "flag", D: "flag" },
    resources: { cpus: undefined, memoryBytes: 8 * G },
  });
  assert.deepEqual(defaults.env, { A: "top", B: "hpc", C: "flag", D: "flag" });
  assert.deepEqual(defaults.resources, { memoryBytes: 8 * G });
  const withProto = resolveSubmitDefaults(config, "hpc", { env: JSON.parse('{"__proto__": "x"}') });
  assert.equal(Object.getPrototypeOf(withProto.env), Object.prototype);
  assert.equal(Object.hasOwn(withProto.env, "__proto__"), true);
});

Deno.test("resolveSubmitDefaults() gives a cluster without a profile the top-level defaults", () => {
  const config = configOf(
    '[defaults]\ncpus = 2\n[clusters.hpc]\nscheduler = "slurm"\n[clusters.hpc.defaults]\ncpus = 4',
  );
  assert.deepEqual(resolveSubmitDefaults(config, "slurm"), {
    resources: { cpus: 2 },
    scheduling: {},
    env: {},
    retry: { attempts: 1, backoffSeconds: 30, onExitCodes: [] },
  });
  assert.equal(resolveSubmitDefaults(config, "toString").resources.cpus, 2);
  assert.deepEqual(resolveSubmitDefaults(builtinConfig(), "local").resources, {});
});

const CLUSTERS = configOf(`
default_cluster = "hpc"
[clusters.hpc]
scheduler = "slurm"
[clusters.pbs1]
scheduler = "pbs"
[clusters.local]
jobs_dir = "/tmp/l"
`);

Deno.test("resolveCluster() uses the --cluster profile and checks a positional scheduler", () => {
  const hpc = resolveCluster(CLUSTERS, { clusterFlag: "hpc" });
  assert.equal(hpc.name, "hpc");
  assert.equal(hpc.scheduler, "slurm");
  assert.equal(hpc.profile, CLUSTERS.clusters.hpc);
  assert.equal(
    resolveCluster(CLUSTERS, { clusterFlag: "hpc", schedulerPositional: "slurm" }).profile,
    hpc.profile,
  );
  assert.throws(
    () => resolveCluster(CLUSTERS, { clusterFlag: "hpc", schedulerPositional: "pbs" }),
    (e: Error) =>
      e instanceof UsageError && e.message === 'Cluster "hpc" uses the slurm scheduler, not pbs.',
  );
});

Deno.test("resolveCluster() takes an unknown --cluster only with a scheduler", () => {
  assert.deepEqual(
    resolveCluster(CLUSTERS, { clusterFlag: "other", schedulerPositional: "slurm" }),
    {
      name: "other",
      scheduler: "slurm",
    },
  );
  assert.deepEqual(resolveCluster(CLUSTERS, { clusterFlag: "lsf" }), {
    name: "lsf",
    scheduler: "lsf",
  });
  assert.throws(
    () => resolveCluster(CLUSTERS, { clusterFlag: "other" }),
    (e: Error) =>
      e instanceof UsageError &&
      e.message === 'Unknown cluster "other": /c.toml has no profile of that name.' &&
      /molq submit slurm --cluster other/.test(e.hint ?? ""),
  );
  assert.throws(
    () => resolveCluster(CLUSTERS, { clusterFlag: "toString" }),
    /Unknown cluster "toString"/,
  );
  assert.throws(
    () => resolveCluster(CLUSTERS, { clusterFlag: "a b", schedulerPositional: "slurm" }),
    /^UsageError: Invalid cluster name "a b"/,
  );
});

Deno.test("resolveCluster() keeps `molq submit KIND` working", () => {
  // No profile of that name: default_cluster when it uses that scheduler...
  assert.equal(resolveCluster(CLUSTERS, { schedulerPositional: "slurm" }).name, "hpc");
  // ...else the implicit cluster named after the kind.
  assert.deepEqual(resolveCluster(CLUSTERS, { schedulerPositional: "pbs" }), {
    name: "pbs",
    scheduler: "pbs",
  });
  assert.deepEqual(resolveCluster(builtinConfig(), { schedulerPositional: "slurm" }), {
    name: "slurm",
    scheduler: "slurm",
  });
  // A profile named after the kind.
  const local = resolveCluster(CLUSTERS, { schedulerPositional: "local" });
  assert.equal(local.profile?.jobsDir, "/tmp/l");
  assert.throws(
    () => resolveCluster(CLUSTERS, { schedulerPositional: "condor" }),
    /^UsageError: Unknown scheduler "condor": expected one of local, slurm, pbs, lsf, sge\.$/,
  );
});

Deno.test("resolveCluster() falls back to default_cluster, else asks for a cluster", () => {
  assert.equal(resolveCluster(CLUSTERS, {}).name, "hpc");
  assert.deepEqual(resolveCluster({ ...builtinConfig(), defaultCluster: "local" }, {}), {
    name: "local",
    scheduler: "local",
  });
  assert.throws(
    () => resolveCluster(builtinConfig(), {}),
    (e: Error) =>
      e instanceof UsageError && /^No cluster given: /.test(e.message) &&
      /default_cluster/.test((e as UsageError).hint ?? ""),
  );
});

Deno.test("the example file applies: flags over the hpc profile over [defaults]", async () => {
  const example = new URL("../../testdata/config/example.toml", import.meta.url).pathname;
  const config = await loadConfig({ configFlag: example, env });
  const cluster = resolveCluster(config, {});
  assert.equal(cluster.name, "hpc");
  const defaults = resolveSubmitDefaults(config, cluster.name, {
    resources: { cpus: 16 },
    env: { EXTRA: "1" },
    retry: { attempts: 2 },
  });
  assert.deepEqual(defaults, {
    resources: {
      cpus: 16,
      memoryBytes: 16 * G,
      timeLimitSeconds: 4 * 3600,
      gpus: 1,
      gpuType: "a100",
    },
    scheduling: { partition: "gpu", account: "proj123", qos: "normal" },
    env: { OMP_NUM_THREADS: "4", EXTRA: "1" },
    retry: { attempts: 2, backoffSeconds: 30, onExitCodes: [137, 143] },
    jobsDir: "/scratch/ada/molq-jobs",
  });
  const pbs = resolveSubmitDefaults(config, "pbs1");
  assert.deepEqual(pbs.resources, { cpus: 1, memoryBytes: 8 * G, timeLimitSeconds: 12 * 3600 });
  assert.equal(pbs.jobsDir, "/home/ada/molq-jobs");
  assert.deepEqual(pbs.retry, { attempts: 1, backoffSeconds: 30, onExitCodes: [] });

  const settings: ClusterSettings = clusterRuntimeSettings(config, cluster);
  assert.deepEqual(settings, {
    name: "hpc",
    scheduler: "slurm",
    jobsDir: "/scratch/ada/molq-jobs",
    minPollIntervalMs: 30_000,
    schedulerOptions: {
      commands: { sbatch: "/opt/site/bin/sbatch", sacct: "/home/ada/bin/sacct-wrapper" },
      commandTimeoutMs: 60_000,
    },
  });
  assert.deepEqual(
    clusterRuntimeSettings(config, resolveCluster(config, { clusterFlag: "pbs1" })),
    {
      name: "pbs1",
      scheduler: "pbs",
      jobsDir: "/home/ada/molq-jobs",
      schedulerOptions: { commands: {}, flavour: "torque" },
    },
  );
});
