import assert from "node:assert/strict";
import type { JobRequest } from "../core/job_request.ts";
import { UsageError } from "../core/errors.ts";
import { runCommand } from "../process/run_command.ts";
import type { SubmitContext } from "./scheduler.ts";
import {
  arrayTaskLogPath,
  directive,
  renderSlurmScript,
  slurmDirectives,
  slurmLogPattern,
} from "./slurm_script.ts";

const JOB_ID = "0b0e5a6c-1f63-4c1a-9d55-2f8f3c1d7e90";

function context(
  request: Partial<JobRequest> = {},
  extra: Partial<SubmitContext> = {},
): SubmitContext {
  return {
    jobId: JOB_ID,
    jobDir: `/jobs/${JOB_ID}`,
    stdoutPath: `/jobs/${JOB_ID}/stdout.log`,
    stderrPath: `/jobs/${JOB_ID}/stderr.log`,
    dependencies: [],
    request: {
      command: { type: "argv", argv: ["python", "train.py"] },
      workdir: "/home/me/project",
      env: {},
      resources: {},
      scheduling: {},
      dependencies: [],
      metadata: {},
      extraArgs: [],
      ...request,
    },
    ...extra,
  };
}

/**
 * sbatch's own reading of an `#SBATCH` line (src/sbatch/opt.c, _get_argument): words split
 * on blanks, `"` and `'` group, `\` escapes the next character, an unquoted `#` ends the line,
 * and the het-job separator words are blanked out wherever they occur.
 */
function sbatchWords(line: string): string[] {
  const words: string[] = [];
  let rest = line.replace(/^#SBATCH/, "").replace(/hetjob|packjob/gi, (w) => " ".repeat(w.length));
  while (true) {
    rest = rest.replace(/^\s+/, "");
    if (rest === "") return words;
    let word = "";
    let quote = "";
    let i = 0;
    for (; i < rest.length; i++) {
      const c = rest[i]!;
      if (!quote && /\s/.test(c)) break;
      if (c === "\\") {
        word += rest[++i] ?? "";
      } else if (quote) {
        if (c === quote) quote = "";
        else word += c;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === "#") {
        words.push(word);
        return words.filter((w) => w !== "");
      } else {
        word += c;
      }
    }
    words.push(word);
    rest = rest.slice(i);
  }
}

Deno.test("slurmDirectives() renders every supported field", () => {
  const lines = slurmDirectives(context({
    name: "train",
    resources: {
      cpus: 4,
      memoryBytes: 8 * 1024 ** 3,
      timeLimitSeconds: 5400,
      gpus: 2,
      gpuType: "a100",
      nodes: 1,
      exclusive: true,
    },
    scheduling: { partition: "gpu", account: "proj1", qos: "high", reservation: "maint" },
  }, {
    dependencies: [
      { kind: "afterok", jobId: "a", schedulerJobId: "12" },
      { kind: "afterok", jobId: "b", schedulerJobId: "13" },
      { kind: "afternotok", jobId: "c", schedulerJobId: "14" },
      { kind: "after", jobId: "d", schedulerJobId: "15" },
      { kind: "afterstart", jobId: "e", schedulerJobId: "8_2" },
    ],
  }));
  assert.deepEqual(lines, [
    `#SBATCH --job-name="train"`,
    `#SBATCH --chdir="/home/me/project"`,
    `#SBATCH --output="/jobs/${JOB_ID}/stdout.log"`,
    `#SBATCH --error="/jobs/${JOB_ID}/stderr.log"`,
    `#SBATCH --export="ALL"`,
    `#SBATCH --nodes="1"`,
    `#SBATCH --ntasks="1"`,
    `#SBATCH --cpus-per-task="4"`,
    `#SBATCH --mem="8192M"`,
    `#SBATCH --time="90"`,
    `#SBATCH --gres="gpu:a100:2"`,
    `#SBATCH --exclusive`,
    `#SBATCH --partition="gpu"`,
    `#SBATCH --account="proj1"`,
    `#SBATCH --qos="high"`,
    `#SBATCH --reservation="maint"`,
    `#SBATCH --dependency="afterok:12:13,afternotok:14,afterany:15,after:8_2"`,
  ]);
});

Deno.test("slurmDirectives() gives a minimal job one task and a molq name", () => {
  assert.deepEqual(slurmDirectives(context()), [
    `#SBATCH --job-name="molq-0b0e5a6c"`,
    `#SBATCH --chdir="/home/me/project"`,
    `#SBATCH --output="/jobs/${JOB_ID}/stdout.log"`,
    `#SBATCH --error="/jobs/${JOB_ID}/stderr.log"`,
    `#SBATCH --export="ALL"`,
    `#SBATCH --ntasks="1"`,
  ]);
});

Deno.test("slurmDirectives() gives several nodes one task of `cpus` CPUs each", () => {
  const lines = slurmDirectives(context({ resources: { nodes: 3, cpus: 8 } }));
  assert.ok(lines.includes(`#SBATCH --nodes="3"`));
  assert.ok(lines.includes(`#SBATCH --ntasks-per-node="1"`));
  assert.ok(lines.includes(`#SBATCH --cpus-per-task="8"`));
  assert.ok(!lines.some((line) => line.startsWith("#SBATCH --ntasks=")));
});

Deno.test("slurmDirectives() rounds time up to whole minutes and memory up to MiB", () => {
  const lines = slurmDirectives(context({
    resources: { timeLimitSeconds: 61, memoryBytes: 1.5 * 1024 ** 2 + 1 },
  }));
  assert.ok(lines.includes(`#SBATCH --time="2"`));
  assert.ok(lines.includes(`#SBATCH --mem="2M"`));
  const day = slurmDirectives(context({ resources: { timeLimitSeconds: 86400 } }));
  assert.ok(day.includes(`#SBATCH --time="1440"`));
});

Deno.test("slurmDirectives() asks for one GPU when only a type is given", () => {
  const lines = slurmDirectives(context({ resources: { gpuType: "v100" } }));
  assert.ok(lines.includes(`#SBATCH --gres="gpu:v100:1"`));
  const plain = slurmDirectives(context({ resources: { gpus: 4 } }));
  assert.ok(plain.includes(`#SBATCH --gres="gpu:4"`));
  assert.throws(
    () => slurmDirectives(context({ resources: { gpus: 1, gpuType: "a100:2,gpu" } })),
    UsageError,
  );
});

Deno.test("slurmDirectives() gives arrays per-task log patterns", () => {
  const lines = slurmDirectives(context({ scheduling: { array: "0-3%2" } }));
  assert.ok(lines.includes(`#SBATCH --array="0-3%2"`));
  assert.ok(lines.includes(`#SBATCH --output="/jobs/${JOB_ID}/stdout.%A_%a.log"`));
  assert.ok(lines.includes(`#SBATCH --error="/jobs/${JOB_ID}/stderr.%A_%a.log"`));
  assert.throws(
    () => slurmDirectives(context({ scheduling: { array: "0-3 --partition=x" } })),
    UsageError,
  );
});

Deno.test("slurmLogPattern() escapes % and arrayTaskLogPath() resolves task paths", () => {
  assert.equal(slurmLogPattern("/logs/100%/out.txt", false), "/logs/100%%/out.txt");
  assert.equal(slurmLogPattern("/logs/out.txt", true), "/logs/out.%A_%a.txt");
  assert.equal(slurmLogPattern("/logs.d/out", true), "/logs.d/out.%A_%a");
  assert.equal(slurmLogPattern("/logs/.hidden", true), "/logs/.hidden.%A_%a");
  assert.equal(arrayTaskLogPath("/logs/out.txt", "8", "2"), "/logs/out.8_2.txt");
  assert.equal(arrayTaskLogPath("/logs/100%/out", "8", "2"), "/logs/100%/out.8_2");
  assert.throws(() => slurmLogPattern("/logs/a\\b", false), UsageError);
});

Deno.test("directive() keeps hostile values inside one sbatch argument", () => {
  const hostile = [
    `my job`,
    `a"b`,
    `a'b`,
    `$(touch /tmp/pwned)`,
    "`id`",
    `x; rm -rf ~`,
    `--partition=evil`,
    `-p evil`,
    `name # comment`,
    `back\\slash\\`,
    `"--qos=evil`,
    `naïve 名前 🚀`,
    `tab\there`,
    `x" --partition="evil`,
    `hetjob`,
    `my PackJob x`,
  ];
  for (const value of hostile) {
    const line = directive("--job-name", value);
    assert.deepEqual(sbatchWords(line), [`--job-name=${value}`], line);
  }
});

Deno.test("directive() refuses line breaks", () => {
  for (const value of ["a\nb", "a\rb", "a\0b"]) {
    assert.throws(() => directive("--job-name", value), UsageError);
  }
  assert.throws(
    () => slurmDirectives(context({ name: "x\n#SBATCH --partition=evil" })),
    /line break/,
  );
  assert.throws(() => slurmDirectives(context({ workdir: "/tmp/a\nb" })), UsageError);
  assert.throws(
    () => slurmDirectives(context({ scheduling: { account: "a\n#SBATCH --qos=x" } })),
    UsageError,
  );
});

Deno.test("slurmDirectives() rejects dependencies on ids SLURM cannot read", () => {
  assert.throws(
    () =>
      slurmDirectives(context({}, {
        dependencies: [{ kind: "afterok", jobId: "a", schedulerJobId: "12,afterany:13" }],
      })),
    UsageError,
  );
});

Deno.test("renderSlurmScript() puts directives first and passes `sh -n` with hostile input", async () => {
  const hostile = `it's "quoted" $(id) \`id\` ; & | > < * ? [x] ~ # -- naïve`;
  const script = renderSlurmScript(context({
    name: hostile,
    command: { type: "argv", argv: ["echo", hostile, "--", "-n", "$HOME", ""] },
    env: { MOLQ_TEST: hostile, EMPTY: "" },
    workdir: `/tmp/${hostile}`,
    stdoutPath: `/tmp/${hostile}/out.log`,
    scheduling: { array: "1-3", partition: `-p evil ${hostile}` },
  }, { stdoutPath: `/tmp/out ${hostile}.log` }));
  const lines = script.split("\n");
  assert.equal(lines[0], "#!/bin/sh");
  const directives = lines.slice(1).filter((line) => line.startsWith("#SBATCH"));
  // Every directive comes before the first command, or sbatch ignores it.
  assert.deepEqual(lines.slice(1, 1 + directives.length), directives);
  for (const line of directives) {
    const words = sbatchWords(line);
    assert.equal(words.length, 1, line);
    assert.match(words[0]!, /^--[a-z-]+(=|$)/);
  }
  assert.ok(directives.some((line) => sbatchWords(line)[0] === `--job-name=${hostile}`));
  assert.ok(script.includes(`"$molq_stage/exit_code.\${SLURM_ARRAY_TASK_ID}"`));
  const path = await Deno.makeTempFile({ suffix: ".sh" });
  try {
    await Deno.writeTextFile(path, script);
    const result = await runCommand(["sh", "-n", path], { allowFailure: true });
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("renderSlurmScript() runs the command exactly as given", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const odd = `a'b "c" $(echo no) \`echo no\` ; naïve`;
    const script = renderSlurmScript(context({
      command: { type: "argv", argv: ["sh", "-c", 'printf "%s|" "$@" >out.txt', "sh", odd, ""] },
      workdir: dir,
    }, { jobDir: dir }));
    await Deno.writeTextFile(`${dir}/job.sh`, script);
    const result = await runCommand(["sh", `${dir}/job.sh`], { allowFailure: true });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await Deno.readTextFile(`${dir}/out.txt`), `${odd}||`);
    assert.equal((await Deno.readTextFile(`${dir}/exit_code`)).trim(), "0");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
