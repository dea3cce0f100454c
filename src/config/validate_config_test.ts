import assert from "node:assert/strict";
import { UsageError } from "../core/errors.ts";
import { parseConfigText } from "./load_config.ts";
import {
  assertValidConfig,
  ConfigError,
  formatProblem,
  validateConfig,
} from "./validate_config.ts";

const env = (name: string) => ({ USER: "ada", HOME: "/home/ada" } as Record<string, string>)[name];
const PATH = "/home/ada/.molq/config.toml";
const HPC = '[clusters.hpc]\nscheduler = "slurm"\n';
const HPC_DEFAULTS = `${HPC}[clusters.hpc.defaults]\n`;

function problemsOf(text: string) {
  return parseConfigText(text, { path: PATH, env }).problems;
}

// [what, toml, where, problem]: each file has exactly one problem.
// deno-fmt-ignore
const INVALID: [string, string, string | RegExp, RegExp][] = [
  ["TOML syntax", 'color = "auto', /^line 1, column \d+$/, /^invalid TOML \(.+\)$/],
  ["unknown top-level key", 'colour = "auto"', "colour", /^unknown key \(did you mean "color"\?\)$/],
  ["typo in defaults", `${HPC_DEFAULTS}partiton = "gpu"`, "clusters.hpc.defaults.partiton", /did you mean "partition"/],
  ["unknown profile key", `${HPC}partition = "gpu"`, "clusters.hpc.partition", /^unknown key$/],
  ["typo in retention", "[retention]\njob_dir_days = 3", "retention.job_dir_days", /did you mean "job_dirs_days"/],
  ["typo in refresh", `${HPC}[clusters.hpc.refresh]\nmin_intervall = "5s"`, "clusters.hpc.refresh.min_intervall", /did you mean "min_interval"/],
  ["color type", "color = 1", "color", /^expected a string, got an integer$/],
  ["color value", 'color = "rainbow"', "color", /^unknown value "rainbow" \(expected one of auto, always, never\)$/],
  ["color date", "color = 1979-05-27", "color", /got a date-time/],
  ["default_cluster naming no profile", `default_cluster = "nope"\n${HPC}`, "default_cluster", /^no profile named "nope" \(profiles: hpc; a scheduler kind also works\)$/],
  ["default_cluster type", "default_cluster = 3", "default_cluster", /^expected a string/],
  ["memory grammar", `${HPC_DEFAULTS}mem = "16Q"`, "clusters.hpc.defaults.mem", /^invalid memory size "16Q" \(expected .+\)$/],
  ["memory type", `${HPC_DEFAULTS}mem = 16`, "clusters.hpc.defaults.mem", /^expected a string such as "16G", got an integer$/],
  ["duration grammar", `${HPC_DEFAULTS}time = "4x"`, "clusters.hpc.defaults.time", /^invalid duration "4x" \(expected .+\)$/],
  ["duration type", `${HPC_DEFAULTS}time = true`, "clusters.hpc.defaults.time", /^expected a duration such as "30m", got a boolean$/],
  ["cpus zero", `${HPC_DEFAULTS}cpus = 0`, "clusters.hpc.defaults.cpus", /^must be positive, not 0$/],
  ["cpus string", `${HPC_DEFAULTS}cpus = "4"`, "clusters.hpc.defaults.cpus", /^expected an integer, got a string$/],
  ["gpus float", `${HPC_DEFAULTS}gpus = 1.5`, "clusters.hpc.defaults.gpus", /^expected an integer, got a float$/],
  ["exclusive type", `${HPC_DEFAULTS}exclusive = "yes"`, "clusters.hpc.defaults.exclusive", /^expected true or false, got a string$/],
  ["empty string", `${HPC_DEFAULTS}partition = ""`, "clusters.hpc.defaults.partition", /^must not be empty$/],
  ["env name", `${HPC_DEFAULTS}env = { "A B" = "x" }`, 'clusters.hpc.defaults.env."A B"', /^not a valid environment variable name$/],
  ["env value", `${HPC_DEFAULTS}env = { A = 1 }`, "clusters.hpc.defaults.env.A", /^expected a string, got an integer$/],
  ["env type", '[defaults]\nenv = "A=1"', "defaults.env", /^expected a table of NAME = "value", got a string$/],
  ["missing scheduler", '[clusters.hpc]\njobs_dir = "/x"', "clusters.hpc.scheduler", /^missing \(expected one of local, slurm, pbs, lsf, sge\)$/],
  ["unknown scheduler", '[clusters.hpc]\nscheduler = "condor"', "clusters.hpc.scheduler", /^unknown value "condor" \(expected one of local, slurm, pbs, lsf, sge\)$/],
  ["profile named after another kind", '[clusters.slurm]\nscheduler = "pbs"', "clusters.slurm.scheduler", /^profile "slurm" is named after the slurm scheduler but uses pbs$/],
  ["flavour on slurm", `${HPC}flavour = "torque"`, "clusters.hpc.flavour", /^only pbs profiles take a flavour, not slurm ones$/],
  ["flavour value", '[clusters.p]\nscheduler = "pbs"\nflavour = "openpbs"', "clusters.p.flavour", /^unknown value "openpbs" \(expected one of pro, torque\)$/],
  ["cluster name", '[clusters."-bad"]\nscheduler = "local"', "clusters.-bad", /^invalid cluster name/],
  ["cluster name with space", '[clusters."a b"]\nscheduler = "local"', 'clusters."a b"', /^invalid cluster name/],
  ["another scheduler's command", `${HPC}[clusters.hpc.commands]\nqsub = "/x"`, "clusters.hpc.commands.qsub", /^qsub is a pbs command, not a slurm one$/],
  ["command typo", `${HPC}[clusters.hpc.commands]\nsbtach = "/x"`, "clusters.hpc.commands.sbtach", /^unknown command \(did you mean "sbatch"\?\)$/],
  ["unknown command", `${HPC}[clusters.hpc.commands]\nfoo = "/x"`, "clusters.hpc.commands.foo", /^unknown command \(expected one of sbatch, squeue, sacct, scancel\)$/],
  ["command on local", '[clusters.l]\nscheduler = "local"\n[clusters.l.commands]\nsbatch = "/x"', "clusters.l.commands.sbatch", /^the local scheduler runs no scheduler commands$/],
  ["command type", `${HPC}[clusters.hpc.commands]\nsbatch = 1`, "clusters.hpc.commands.sbatch", /^expected a string, got an integer$/],
  ["commands type", `${HPC}commands = "sbatch"`, "clusters.hpc.commands", /^expected a table, got a string$/],
  ["undefined variable in a command", `${HPC}[clusters.hpc.commands]\nsbatch = "$NOPE/sbatch"`, "clusters.hpc.commands.sbatch", /^cannot expand "\$NOPE\/sbatch": environment variable NOPE is not set$/],
  ["undefined variable in jobs_dir", `${HPC}jobs_dir = "/scratch/\${NOPE}"`, "clusters.hpc.jobs_dir", /environment variable NOPE is not set/],
  ["~user in jobs_dir", 'jobs_dir = "~bob/jobs"', "jobs_dir", /only "~" and "~\/" are supported/],
  ["clusters type", "clusters = 1", "clusters", /^expected a table of profiles, got an integer$/],
  ["profile type", 'clusters.hpc = "slurm"', "clusters.hpc", /^expected a table, got a string$/],
  ["retry type", "retry = 3", "retry", /^expected a table, got an integer$/],
  ["retry attempts", "[retry]\nattempts = 0", "retry.attempts", /^must be positive, not 0$/],
  ["retry backoff", '[retry]\nbackoff = "soon"', "retry.backoff", /^invalid duration "soon" \(expected/],
  ["retry exit code range", "[retry]\non_exit_codes = [1, 0]", "retry.on_exit_codes", /^expected exit codes from 1 to 255, got 0$/],
  ["retry exit code type", '[retry]\non_exit_codes = ["1"]', "retry.on_exit_codes", /^expected exit codes from 1 to 255, got a string$/],
  ["retry exit codes type", "[retry]\non_exit_codes = 1", "retry.on_exit_codes", /^expected an array of exit codes, got an integer$/],
  ["profile retry", `${HPC}[clusters.hpc.retry]\nattempts = "3"`, "clusters.hpc.retry.attempts", /^expected an integer, got a string$/],
  ["retention days", "[retention]\nrecords_days = -1", "retention.records_days", /^must be at least 0, not -1$/],
  ["retention flag", "[retention]\nkeep_failed_dirs = 1", "retention.keep_failed_dirs", /^expected true or false, got an integer$/],
  ["refresh zero duration", `${HPC}[clusters.hpc.refresh]\nmin_interval = "0s"`, "clusters.hpc.refresh.min_interval", /^invalid duration "0s": it must be more than zero$/],
  ["refresh zero seconds", `${HPC}[clusters.hpc.refresh]\ncommand_timeout = 0`, "clusters.hpc.refresh.command_timeout", /^must be positive, not 0$/],
  ["unsafe key", '["__proto__"]\nx = 1', /^line 1, column \d+$/, /^invalid TOML/],
];

Deno.test("validateConfig() reports each invalid value with its dotted key", () => {
  for (const [what, text, where, problem] of INVALID) {
    const problems = problemsOf(text);
    assert.equal(problems.length, 1, `${what}: ${JSON.stringify(problems)}`);
    const [found] = problems;
    if (typeof where === "string") assert.equal(found!.at, where, what);
    else assert.match(found!.at, where, what);
    assert.match(found!.message, problem, what);
  }
});

Deno.test("assertValidConfig() throws a ConfigError and returns the config when valid", () => {
  assert.throws(
    () => assertValidConfig({ color: 1 }, { path: PATH, env }),
    (error: Error) => error instanceof ConfigError && error.problems.length === 1,
  );
  assert.equal(assertValidConfig({ color: "never" }, { path: PATH, env }).color, "never");
});

Deno.test("formatProblem() names the file, the key and the problem in one sentence", () => {
  const [problem] = problemsOf(`${HPC_DEFAULTS}mem = "16Q"`);
  assert.match(
    formatProblem(PATH, problem!),
    /^Invalid config \/home\/ada\/\.molq\/config\.toml: clusters\.hpc\.defaults\.mem: invalid memory size "16Q" \(expected a number with a unit K, M, G or T \(e\.g\. 512M, .*\)\)\.$/,
  );
  assert.equal(
    formatProblem(null, { at: "color", message: "expected a string, got an integer" }),
    "Invalid config: color: expected a string, got an integer.",
  );
});

Deno.test("validateConfig() collects every problem; ConfigError shows the first and counts the rest", () => {
  const text = [
    'colour = "never"',
    'default_cluster = "nope"',
    "[retry]",
    "attempts = 0",
    HPC_DEFAULTS + 'mem = "lots"\ntime = "forever"',
  ].join("\n");
  const problems = problemsOf(text);
  assert.deepEqual(problems.map((p) => p.at), [
    "colour",
    "clusters.hpc.defaults.mem",
    "clusters.hpc.defaults.time",
    "retry.attempts",
    "default_cluster",
  ]);
  assert.equal(problems.length, 5);
  const error = new ConfigError(PATH, problems);
  assert.ok(error instanceof UsageError);
  assert.equal(error.exitCode, 2);
  assert.equal(error.message, formatProblem(PATH, problems[0]!));
  assert.equal(error.hint, "4 more problems in this file; `molq config check` lists them all.");
  assert.equal(new ConfigError(PATH, problems.slice(0, 1)).hint, undefined);
});

Deno.test("validateConfig() accepts the documented example and types every field", () => {
  const text = `
default_cluster = "hpc"
color = "auto"
[retention]
job_dirs_days = 30
records_days = 90
keep_failed_dirs = true
[retry]
attempts = 1
backoff = "30s"
on_exit_codes = []
[clusters.hpc]
scheduler = "slurm"
jobs_dir = "/scratch/$USER/molq-jobs"
[clusters.hpc.defaults]
partition = "gpu"
account = "proj123"
time = "4h"
mem = "16G"
cpus = 4
gpus = 1
gpu_type = "a100"
qos = "normal"
[clusters.hpc.commands]
sbatch = "/opt/site/bin/sbatch"
[clusters.hpc.refresh]
min_interval = "30s"
command_timeout = "60s"
[clusters.pbs1]
scheduler = "pbs"
flavour = "torque"
`;
  const check = parseConfigText(text, { path: PATH, env });
  assert.deepEqual(check.problems, []);
  assert.deepEqual(check.config, {
    path: PATH,
    defaultCluster: "hpc",
    color: "auto",
    defaults: { resources: {}, scheduling: {} },
    retention: { jobDirsDays: 30, recordsDays: 90, keepFailedDirs: true },
    retry: { attempts: 1, backoffSeconds: 30, onExitCodes: [] },
    clusters: {
      hpc: {
        name: "hpc",
        scheduler: "slurm",
        jobsDir: "/scratch/ada/molq-jobs",
        defaults: {
          resources: {
            cpus: 4,
            memoryBytes: 16 * 1024 ** 3,
            timeLimitSeconds: 4 * 3600,
            gpus: 1,
            gpuType: "a100",
          },
          scheduling: { partition: "gpu", account: "proj123", qos: "normal" },
        },
        commands: { sbatch: "/opt/site/bin/sbatch" },
        refresh: { minIntervalSeconds: 30, commandTimeoutSeconds: 60 },
      },
      pbs1: {
        name: "pbs1",
        scheduler: "pbs",
        flavour: "torque",
        defaults: { resources: {}, scheduling: {} },
        commands: {},
        refresh: {},
      },
    },
  });
});

Deno.test("validateConfig() takes an empty document as the built-in defaults", () => {
  const check = validateConfig({}, { path: null, env });
  assert.deepEqual(check.config, {
    path: null,
    color: "auto",
    defaults: { resources: {}, scheduling: {} },
    retention: { jobDirsDays: 30, recordsDays: 90, keepFailedDirs: true },
    retry: { attempts: 1, backoffSeconds: 30, onExitCodes: [] },
    clusters: {},
  });
});

Deno.test("validateConfig() lets default_cluster name a scheduler kind and a profile imply its scheduler", () => {
  const check = parseConfigText('default_cluster = "local"\n[clusters.slurm]\njobs_dir = "~/j"', {
    path: PATH,
    env,
  });
  assert.deepEqual(check.problems, []);
  assert.equal(check.config?.defaultCluster, "local");
  assert.equal(check.config?.clusters.slurm?.scheduler, "slurm");
  assert.equal(check.config?.clusters.slurm?.jobsDir, "/home/ada/j");
});
