import assert from "node:assert/strict";
import { MolqError } from "../core/errors.ts";
import type { SubmitContext } from "./scheduler.ts";
import { LsfScheduler } from "./lsf.ts";
import { SlurmScheduler } from "./slurm.ts";
import { sampleRecord } from "../testing/sample_record.ts";
import {
  decodeEnvironment,
  encodeEnvironment,
  keptEnvironment,
  passesEnvironmentOn,
} from "./submit_environment.ts";

Deno.test("an environment survives its encoding: newlines, '=' and empty values", () => {
  const env = {
    A: "1",
    MULTI: "line one\nline two",
    EQ: "x=y=z",
    EMPTY: "",
    "BASH_FUNC_f%%": "() { :; }",
  };
  const text = encodeEnvironment(env);
  assert.equal(text.split("\0").length, 6, "one NUL-terminated entry each");
  assert.deepEqual(decodeEnvironment(text), env);
  assert.deepEqual(decodeEnvironment("NOEQUALS\0=novalue\0B=2\0"), { B: "2" });
});

Deno.test("keptEnvironment: none kept reads as undefined, an unreadable one is one sentence", () => {
  const dir = Deno.makeTempDirSync({ prefix: "molq-env-" });
  try {
    assert.equal(keptEnvironment(dir), undefined);
    Deno.writeTextFileSync(`${dir}/environment`, encodeEnvironment({ A: "1" }));
    assert.deepEqual(keptEnvironment(dir), { A: "1" });
    Deno.removeSync(`${dir}/environment`);
    Deno.mkdirSync(`${dir}/environment`);
    assert.throws(() => keptEnvironment(dir), (error: unknown) =>
      error instanceof MolqError &&
      error.message.startsWith(`Cannot read the submitter's environment ${dir}/environment: `) &&
      error.message.endsWith(".") && !error.message.includes("\n"));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("only backends whose jobs get their submit command's environment keep one", () => {
  assert.deepEqual(
    (["local", "slurm", "lsf", "pbs", "sge"] as const).filter(passesEnvironmentOn),
    ["local", "slurm", "lsf"],
  );
});

/** A fake scheduler command that saves its environment (`env`) and prints `answer`. */
function fakeCommand(dir: string, name: string, answer: string): string {
  const path = `${dir}/${name}`;
  Deno.writeTextFileSync(path, `#!/bin/sh\nenv > '${dir}/${name}.env'\necho '${answer}'\n`, {
    mode: 0o755,
  });
  return path;
}

function seenEnvironment(dir: string, name: string): Map<string, string> {
  const lines = Deno.readTextFileSync(`${dir}/${name}.env`).trim().split("\n");
  return new Map(lines.map((line) => [line.split("=")[0]!, line.slice(line.indexOf("=") + 1)]));
}

for (
  const [name, answer, make] of [
    [
      "sbatch",
      "77;molqdev",
      (command: string) => new SlurmScheduler({ commands: { sbatch: command } }),
    ],
    [
      "bsub",
      "Job <77> is submitted to default queue <normal>.",
      (command: string) => new LsfScheduler({ commands: { bsub: command } }),
    ],
  ] as const
) {
  Deno.test(`${name} runs with the context's environment whole, or else with molq's`, async () => {
    const dir = Deno.makeTempDirSync({ prefix: "molq-env-" });
    try {
      const scheduler = make(fakeCommand(dir, name, answer));
      const context: SubmitContext = {
        jobId: "j1",
        jobDir: dir,
        request: sampleRecord().request,
        stdoutPath: `${dir}/o`,
        stderrPath: `${dir}/e`,
        dependencies: [],
      };
      assert.equal((await scheduler.submit(context)).schedulerJobId, "77");
      assert.equal(seenEnvironment(dir, name).get("HOME"), Deno.env.get("HOME"), "molq's own");
      const environment = { ORIGIN: "submitter", PATH: "/usr/bin:/bin" };
      assert.equal((await scheduler.submit({ ...context, environment })).schedulerJobId, "77");
      const seen = seenEnvironment(dir, name);
      assert.equal(seen.get("ORIGIN"), "submitter");
      assert.equal(seen.get("PATH"), "/usr/bin:/bin");
      assert.equal(seen.has("HOME"), false, "nothing of molq's own environment");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}
