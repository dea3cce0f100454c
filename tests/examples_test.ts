/**
 * Every example in examples/ (the TypeScript twins of the product page's code), run as a
 * user runs it, with the binary's permissions, in a private MOLQ_HOME; what each printed
 * is checked against the store through the CLI. The dashboards run in tmux
 * (examples_dashboard_tmux_test.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { BINARY_PERMISSIONS, ROOT, type Sandbox, sandbox } from "./_molq.ts";

type Json = Record<string, unknown>;

async function runExample(box: Sandbox, name: string): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...BINARY_PERMISSIONS, join(ROOT, "examples", name)],
    cwd: box.cwd,
    env: box.env,
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, `${name} exited ${output.code}: ${stderr}`);
  assert.equal(stderr, "", `${name} wrote to stderr`);
  return stdout;
}

async function records(box: Sandbox): Promise<Json[]> {
  return await box.json<Json[]>(["list", "--all", "--no-refresh"]);
}

Deno.test("examples/job_states.ts lists the nine states and exactly five are terminal", async () => {
  const out = await runExample(sandbox(), "job_states.ts");
  const lines = out.trim().split("\n");
  assert.equal(lines.length, 10);
  assert.match(lines[0]!, /^created +terminal=false$/);
  assert.match(lines[7]!, /^timed_out +terminal=true$/);
  assert.equal(lines[9], "final states: succeeded, failed, cancelled, timed_out, lost");
});

Deno.test("examples/submit_and_wait.ts submits train.sh and waits for its final record", async () => {
  const box = sandbox();
  const out = await runExample(box, "submit_and_wait.ts");
  const [head, ...log] = out.trim().split("\n");
  const id = /^job ([0-9a-f-]{36}) succeeded exit=0$/.exec(head!)?.[1];
  assert.ok(id, head);
  assert.deepEqual(log, ["epoch 1 loss 0.3", "epoch 2 loss 0.2", "epoch 3 loss 0.1"]);
  const record = await box.json<Json>(["status", id]);
  assert.deepEqual([record.state, record.name], ["succeeded", "train"]);
  const stderr = await box.molq(["logs", id, "local", "--stream", "stderr", "--tail", "50"]);
  assert.equal(stderr.stdout, "saved model.ckpt\n");
});

Deno.test("examples/watch_jobs.ts waits for all three jobs", async () => {
  const box = sandbox();
  const out = await runExample(box, "watch_jobs.ts");
  assert.equal(out, "lr-0.1 succeeded\nlr-0.01 succeeded\nlr-0.001 succeeded\n");
  const stored = await records(box);
  assert.equal(stored.length, 3);
  assert.ok(stored.every((r) => r.state === "succeeded"));
});

Deno.test("examples/polling_strategies.ts waits with each of the three strategies", async () => {
  const box = sandbox();
  const out = await runExample(box, "polling_strategies.ts");
  const lines = out.trim().split("\n");
  assert.deepEqual(lines.map((line) => line.split(":")[0]), ["fixed", "backoff", "adaptive"]);
  for (const line of lines) assert.match(line, /^\w+: succeeded after \d+ looks$/);
  // A fixed 500 ms look at a 1 s job needs more looks than one at the start and one at the end.
  assert.ok(Number(/after (\d+)/.exec(lines[0]!)![1]) >= 2);
  assert.equal((await records(box)).length, 3);
});

Deno.test("examples/log_paths.ts reads both logs from the metadata, default and overridden", async () => {
  const box = sandbox();
  const out = await runExample(box, "log_paths.ts");
  const [plain, custom] = (await records(box)).reverse();
  const meta = (r: Json) => r.metadata as Record<string, string>;
  assert.equal(meta(plain!)["molq.stdout_path"], join(meta(plain!)["molq.job_dir"]!, "stdout.log"));
  assert.match(meta(custom!)["molq.stdout_path"]!, /\/train\.out$/);
  assert.match(meta(custom!)["molq.stderr_path"]!, /\/train\.err$/);
  for (const record of [plain!, custom!]) {
    assert.ok(out.includes(`job dir: ${meta(record)["molq.job_dir"]}\n`));
    assert.ok(out.includes(`stdout (${meta(record)["molq.stdout_path"]}):\nhello from stdout\n`));
    assert.ok(out.includes(`stderr (${meta(record)["molq.stderr_path"]}):\nhello from stderr\n`));
    const logs = await box.molq(["logs", record.job_id as string, "local", "--stream", "stdout"]);
    assert.equal(logs.stdout, "hello from stdout\n");
  }
});

Deno.test("examples/refresh.ts reconciles until the job fails and prints the stored record", async () => {
  const box = sandbox();
  const out = await runExample(box, "refresh.ts");
  assert.match(out, /^pass: \d+ changed, error none; (running|submitted|failed)$/m);
  assert.match(out, /^state failed exit_code 3$/m);
  assert.match(out, /^failure_reason Exited with code 3\.$/m);
  assert.match(out, /^transitions created -> submitted -> (running -> )?failed$/m);
  const id = /^job_id (\S+)$/m.exec(out)![1]!;
  const record = await box.json<Json>(["status", id]);
  assert.deepEqual([record.state, record.exit_code], ["failed", 3]);
  assert.match(out, new RegExp(`^scheduler local ${record.scheduler_job_id}$`, "m"));
});

Deno.test("README's Library section links every example", () => {
  const readme = Deno.readTextFileSync(join(ROOT, "README.md"));
  const library = readme.slice(
    readme.indexOf("## Library"),
    readme.indexOf("\n## ", readme.indexOf("## Library") + 1),
  );
  for (const entry of Deno.readDirSync(join(ROOT, "examples"))) {
    if (!entry.name.endsWith(".ts")) continue;
    assert.ok(library.includes(`(examples/${entry.name})`), `README links examples/${entry.name}`);
  }
});
