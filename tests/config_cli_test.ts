/** Cluster profiles through the real CLI: precedence, validation and the README's example. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfigText } from "../src/config/load_config.ts";
import { eventually, ROOT, sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;

function withConfig(text: string) {
  const box = sandbox();
  Deno.mkdirSync(box.home, { recursive: true });
  Deno.writeTextFileSync(join(box.home, "config.toml"), text);
  return box;
}

const PROFILE = `
default_cluster = "laptop"
[defaults]
time = "1h"
[defaults.env]
FROM_TOP = "top"
LEVEL = "top"
[clusters.laptop]
scheduler = "local"
jobs_dir = "jobs-of-$USER"
[clusters.laptop.defaults]
time = "30m"
[clusters.laptop.defaults.env]
LEVEL = "profile"
`;

Deno.test("submit applies flag > profile > top-level defaults field by field", async () => {
  const box = withConfig(PROFILE);
  const record = await box.json<Json>([
    "submit",
    "--env",
    "FROM_FLAG=flag",
    "--",
    "sh",
    "-c",
    'echo "$FROM_TOP $LEVEL $FROM_FLAG"',
  ]);
  assert.equal(record.cluster, "laptop");
  assert.match(record.job_dir as string, new RegExp(`^${box.cwd}/jobs-of-[^/]+/`));
  const inspected = await box.json<Json>(["inspect", record.job_id as string]);
  assert.deepEqual(inspected.env_keys, ["FROM_TOP", "LEVEL", "FROM_FLAG"]);
  await eventually(async () => {
    const r = await box.json<Json>(["status", record.job_id as string]);
    return r.state === "succeeded" ? r : undefined;
  });
  const logs = await box.molq(["logs", record.job_id as string]);
  assert.equal(logs.stdout, "top profile flag\n");
  const flagged = await box.json<Json>(["submit", "--time", "2s", "--", "sleep", "30"]);
  const final = await eventually(async () => {
    const r = await box.json<Json>(["status", flagged.job_id as string]);
    return r.state === "timed_out" ? r : undefined;
  });
  assert.match(final.failure_reason as string, /2 s time limit/);
});

Deno.test("a profile whose scheduler contradicts the positional one is a usage error", async () => {
  const box = withConfig(PROFILE);
  const result = await box.molq(["submit", "slurm", "--cluster", "laptop", "--", "true"]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr, 'molq: Cluster "laptop" uses the local scheduler, not slurm.\n');
});

Deno.test("config check lists every problem with file and key; other commands refuse the file", async () => {
  const box = withConfig(
    `colour = "auto"\n[clusters.hpc]\nscheduler = "slurm"\n[clusters.hpc.defaults]\nmem = "16Q"\n`,
  );
  const path = join(box.home, "config.toml");
  const check = await box.molq(["config", "check"]);
  assert.equal(check.code, 2);
  const lines = check.stderr.trim().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, new RegExp(`^molq: Invalid config ${path}: colour: unknown key`));
  assert.match(
    lines[1]!,
    new RegExp(
      `^molq: Invalid config ${path}: clusters\\.hpc\\.defaults\\.mem: invalid memory size "16Q"`,
    ),
  );
  const list = await box.molq(["list"]);
  assert.equal(list.code, 2);
  assert.match(list.stderr, /^molq: Invalid config .*: colour: unknown key/);
  // doctor still reports on everything, the config among the problems.
  const doctor = await box.molq(["doctor", "--json"]);
  assert.equal(doctor.code, 1, doctor.stderr);
  const checks = JSON.parse(doctor.stdout) as Json[];
  const config = checks.find((c) => c.name === "config")!;
  assert.equal(config.level, "problem");
  assert.match(String(config.detail), /: colour: unknown key .*\(and 1 more\)$/);
  assert.ok(checks.some((c) => c.name === "store"), "the store is checked too");
});

Deno.test("config path, show and clusters show describe the resolved profile", async () => {
  const box = withConfig(PROFILE);
  const path = await box.molq(["config", "path"]);
  assert.equal(path.stdout, `${join(box.home, "config.toml")}  (from default)\n`);
  const show = await box.json<Json>(["config", "show"]);
  assert.equal(show.defaultCluster, "laptop");
  const profile = await box.molq(["clusters", "show", "laptop"]);
  assert.match(profile.stdout, /^\[clusters\.laptop\]\nscheduler = "local"\n/);
  const clusters = await box.json<Json[]>(["clusters"]);
  assert.deepEqual(clusters.map((c) => [c.name, c.scheduler, c.configured]), [[
    "laptop",
    "local",
    true,
  ]]);
  const missing = await box.molq(["clusters", "show", "nope"]);
  assert.equal(missing.code, 2);
  // --json after the name, as users type it, and a cluster used without a profile.
  const json = await box.molq(["clusters", "show", "laptop", "--json"]);
  assert.deepEqual([JSON.parse(json.stdout).name, JSON.parse(json.stdout).configured], [
    "laptop",
    true,
  ]);
  const unprofiled = await box.molq(["clusters", "show", "slurm"]);
  assert.equal(unprofiled.code, 0, unprofiled.stderr);
  assert.match(
    unprofiled.stdout,
    /^# Used without a profile: molq's defaults apply\.\n\[clusters\.slurm\]\nscheduler = "slurm"\n/,
  );
});

Deno.test("the README's example config is the tested example file, and it is valid", () => {
  const readme = Deno.readTextFileSync(join(ROOT, "README.md"));
  const example = Deno.readTextFileSync(join(ROOT, "testdata/config/example.toml"));
  const block = /```toml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.equal(block, example);
  const check = parseConfigText(example, {
    path: "example.toml",
    env: (n) => ({ USER: "u", HOME: "/home/u" })[n],
  });
  assert.deepEqual(check.problems, []);
  assert.equal(check.config?.clusters.hpc?.jobsDir, "/scratch/u/molq-jobs");
});

Deno.test("with the README's example config, a local job takes only the time limit of [defaults]", async () => {
  const example = Deno.readTextFileSync(join(ROOT, "testdata/config/example.toml"));
  const box = sandbox();
  const config = example.replace('jobs_dir = "~/molq-jobs"', `jobs_dir = "${box.cwd}/molq-jobs"`);
  assert.notEqual(config, example, "the example sets a top-level jobs_dir");
  Deno.mkdirSync(box.home, { recursive: true });
  Deno.writeTextFileSync(join(box.home, "config.toml"), config);
  // [defaults] has cpus, mem and time: local jobs refuse --cpus and --mem as flags only.
  const record = await box.json<Json>(["submit", "local", "--", "true"]);
  const inspected = await box.molq(["inspect", record.job_id as string]);
  assert.match(inspected.stdout, /^resources +time=3600s$/m, inspected.stdout);
  const refused = await box.molq(["submit", "local", "--mem", "2G", "--", "true"]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /The local scheduler does not support --mem/);
});
