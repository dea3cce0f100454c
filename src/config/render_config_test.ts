import assert from "node:assert/strict";
import { builtinConfig } from "./config.ts";
import { loadConfig, parseConfigText } from "./load_config.ts";
import { durationText, memoryText, renderClusterProfile, renderConfig } from "./render_config.ts";

const env = (name: string) => ({ USER: "ada", HOME: "/home/ada" } as Record<string, string>)[name];
const EXAMPLE = new URL("../../testdata/config/example.toml", import.meta.url).pathname;

Deno.test("renderConfig() shows the built-in defaults when there is no file", () => {
  assert.equal(
    renderConfig(builtinConfig()),
    [
      "# molq configuration: no config file (built-in defaults)",
      "# Resolved view: built-in defaults filled in, $VARIABLES and ~ expanded.",
      'color = "auto"',
      "",
      "[retention]",
      "job_dirs_days = 30",
      "records_days = 90",
      "keep_failed_dirs = true",
      "",
      "[retry]",
      "attempts = 1",
      'backoff = "30s"',
      "on_exit_codes = []",
      "",
    ].join("\n"),
  );
});

Deno.test("renderConfig() output parses back to the same config", async () => {
  const config = await loadConfig({ configFlag: EXAMPLE, env });
  const text = renderConfig(config);
  assert.match(text, /^# molq configuration: .*example\.toml$/m);
  assert.match(text, /^jobs_dir = "\/scratch\/ada\/molq-jobs"$/m);
  assert.match(text, /^mem = "16G"$/m);
  assert.match(text, /^time = "4h"$/m);
  const reparsed = parseConfigText(text, { path: config.path, env: () => undefined });
  assert.deepEqual(reparsed.problems, []);
  assert.deepEqual(reparsed.config, config);
});

Deno.test("renderConfig() quotes odd names and keeps literal $ in paths", () => {
  const check = parseConfigText(
    '[clusters."a.b"]\nscheduler = "lsf"\njobs_dir = "/x/$$HOME"\n[clusters."a.b".defaults]\nmem = "1536M"\ntime = 5400\n[clusters."a.b".defaults.env]\n"X" = "tab\\there"',
    { path: null, env },
  );
  assert.deepEqual(check.problems, []);
  const text = renderConfig(check.config!);
  assert.match(text, /^\[clusters\."a\.b"\]\nscheduler = "lsf"\njobs_dir = "\/x\/\$\$HOME"$/m);
  assert.match(text, /^time = "1h30m"\nmem = "1536M"$/m);
  assert.match(text, /^X = "tab\\there"$/m);
  assert.deepEqual(parseConfigText(text, { path: null, env }).config, check.config);
});

Deno.test("renderClusterProfile() prints one profile's tables", async () => {
  const config = await loadConfig({ configFlag: EXAMPLE, env });
  assert.equal(
    renderClusterProfile(config.clusters.pbs1!),
    '[clusters.pbs1]\nscheduler = "pbs"\nflavour = "torque"\n\n[clusters.pbs1.defaults]\ntime = "12h"\nmem = "8G"\n',
  );
  const hpc = renderClusterProfile(config.clusters.hpc!);
  assert.match(hpc, /^\[clusters\.hpc\.commands\]\nsbatch = "\/opt\/site\/bin\/sbatch"$/m);
  assert.match(hpc, /^\[clusters\.hpc\.refresh\]\nmin_interval = "30s"\ncommand_timeout = "1m"$/m);
  assert.match(hpc, /^\[clusters\.hpc\.retry\]\nattempts = 3\non_exit_codes = \[137, 143\]$/m);
});

Deno.test("durationText() and memoryText() are exact and short", () => {
  assert.equal(durationText(90), "1m30s");
  assert.equal(durationText(14400), "4h");
  assert.equal(durationText(86400 + 3600 + 1), "1d1h1s");
  assert.equal(durationText(undefined), undefined);
  assert.equal(memoryText(16 * 1024 ** 3), "16G");
  assert.equal(memoryText(1.5 * 1024 ** 3), "1536M");
  assert.equal(memoryText(2 * 1024 ** 4), "2T");
  assert.equal(memoryText(1000), "1000");
});
