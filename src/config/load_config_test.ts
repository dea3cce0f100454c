import assert from "node:assert/strict";
import { join } from "node:path";
import { MolqError, UsageError } from "../core/errors.ts";
import { builtinConfig } from "./config.ts";
import { checkConfig, loadConfig, parseConfigText } from "./load_config.ts";
import { ConfigError } from "./validate_config.ts";

const EXAMPLE = new URL("../../testdata/config/example.toml", import.meta.url).pathname;

function envOf(vars: Record<string, string>) {
  return (name: string) => vars[name];
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "molq-config-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadConfig() uses the built-in defaults when the default file is missing", async () => {
  await withTempDir(async (dir) => {
    const config = await loadConfig({ env: envOf({ HOME: dir }) });
    assert.deepEqual(config, builtinConfig());
    assert.equal(config.path, null);
  });
});

Deno.test("loadConfig() reads ~/.molq/config.toml, moved by MOLQ_HOME", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, ".molq"));
    await Deno.writeTextFile(join(dir, ".molq", "config.toml"), 'color = "never"\n');
    await Deno.mkdir(join(dir, "elsewhere"));
    await Deno.writeTextFile(join(dir, "elsewhere", "config.toml"), 'color = "always"\n');

    const fromHome = await loadConfig({ env: envOf({ HOME: dir }) });
    assert.equal(fromHome.path, join(dir, ".molq", "config.toml"));
    assert.equal(fromHome.color, "never");

    const moved = await loadConfig({
      env: envOf({ HOME: dir, MOLQ_HOME: join(dir, "elsewhere") }),
    });
    assert.equal(moved.path, join(dir, "elsewhere", "config.toml"));
    assert.equal(moved.color, "always");
  });
});

Deno.test("loadConfig() takes --config over MOLQ_CONFIG over the default file", async () => {
  await withTempDir(async (dir) => {
    const flagFile = join(dir, "flag.toml");
    const envFile = join(dir, "env.toml");
    await Deno.writeTextFile(flagFile, 'color = "always"\n');
    await Deno.writeTextFile(envFile, 'color = "never"\n');
    const env = envOf({ HOME: dir, MOLQ_CONFIG: envFile });
    assert.equal((await loadConfig({ configFlag: flagFile, env })).path, flagFile);
    assert.equal((await loadConfig({ env })).color, "never");
  });
});

Deno.test("loadConfig() rejects a missing file named by --config or MOLQ_CONFIG", async () => {
  await withTempDir(async (dir) => {
    const missing = join(dir, "nope.toml");
    await assert.rejects(
      loadConfig({ configFlag: missing, env: envOf({ HOME: dir }) }),
      (e: Error) => {
        assert.ok(e instanceof UsageError);
        assert.equal(e.message, `Cannot read config ${missing} (named by --config): no such file.`);
        return true;
      },
    );
    await assert.rejects(
      checkConfig({ env: envOf({ HOME: dir, MOLQ_CONFIG: missing }) }),
      (e: Error) => e instanceof UsageError && e.message.includes("(named by MOLQ_CONFIG)"),
    );
  });
});

Deno.test("loadConfig() reports an unreadable file as an operational error", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      loadConfig({ configFlag: dir, env: envOf({ HOME: dir }) }),
      (e: Error) =>
        e instanceof MolqError && !(e instanceof UsageError) &&
        e.message === `Cannot read config ${dir}: is a directory.`,
    );
  });
});

Deno.test("loadConfig() throws a ConfigError naming the file, key and problem", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "config.toml");
    await Deno.writeTextFile(
      file,
      '[clusters.hpc]\nscheduler = "slurm"\n[clusters.hpc.defaults]\nmem = "16Q"\npartiton = "gpu"\n',
    );
    await assert.rejects(
      loadConfig({ configFlag: file, env: envOf({ HOME: dir }) }),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.exitCode, 2);
        assert.match(
          e.message,
          new RegExp(`^Invalid config ${file}: clusters\\.hpc\\.defaults\\.partiton: unknown key`),
        );
        assert.equal(e.problems.length, 2);
        assert.match(e.hint ?? "", /^1 more problem in this file/);
        return true;
      },
    );
    const check = await checkConfig({ configFlag: file, env: envOf({ HOME: dir }) });
    assert.equal(check.path, file);
    assert.equal(check.config, null);
    assert.deepEqual(check.problems.map((p) => p.at), [
      "clusters.hpc.defaults.partiton",
      "clusters.hpc.defaults.mem",
    ]);
  });
});

Deno.test("parseConfigText() reports TOML syntax errors at their line and column", () => {
  const check = parseConfigText('color = "auto"\n[retry\nattempts = 2\n', { path: "/c.toml" });
  assert.equal(check.problems.length, 1);
  assert.match(check.problems[0]!.at, /^line 2, column \d+$/);
  assert.match(check.problems[0]!.message, /^invalid TOML \([a-z].*[^.]\)$/);
  assert.deepEqual(parseConfigText("\uFEFF# only a comment\n", { path: null }).problems, []);
});

Deno.test("loadConfig() accepts the example file", async () => {
  const config = await loadConfig({
    configFlag: EXAMPLE,
    env: envOf({ HOME: "/home/ada", USER: "ada" }),
  });
  assert.equal(config.path, EXAMPLE);
  assert.equal(config.defaultCluster, "hpc");
  assert.equal(config.jobsDir, "/home/ada/molq-jobs");
  assert.deepEqual(Object.keys(config.clusters), ["hpc", "pbs1", "lsf1", "grid", "laptop"]);
  const hpc = config.clusters.hpc!;
  assert.equal(hpc.jobsDir, "/scratch/ada/molq-jobs");
  assert.deepEqual(hpc.commands, {
    sbatch: "/opt/site/bin/sbatch",
    sacct: "/home/ada/bin/sacct-wrapper",
  });
  assert.deepEqual(hpc.refresh, { minIntervalSeconds: 30, commandTimeoutSeconds: 60 });
  assert.deepEqual(hpc.retry, { attempts: 3, onExitCodes: [137, 143] });
  assert.equal(config.clusters.pbs1?.flavour, "torque");
  assert.equal(config.clusters.pbs1?.defaults.resources.timeLimitSeconds, 12 * 3600);
  assert.equal(config.clusters.lsf1?.commands.bsub, "/home/ada/bin/bsub");
  assert.equal(config.clusters.grid?.parallelEnvironment, "smp");
  assert.equal(config.clusters.grid?.defaults.scheduling.partition, "all.q");
  assert.equal(config.clusters.laptop?.scheduler, "local");
});

Deno.test("loadConfig() names the key of an undefined variable in the example file", async () => {
  await assert.rejects(
    loadConfig({ configFlag: EXAMPLE, env: envOf({ HOME: "/home/ada" }) }),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message ===
        `Invalid config ${EXAMPLE}: clusters.hpc.jobs_dir: cannot expand "/scratch/$USER/molq-jobs": environment variable USER is not set.`,
  );
});
