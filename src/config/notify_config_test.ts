import assert from "node:assert/strict";
import { UsageError } from "../core/errors.ts";
import { builtinConfig } from "./config.ts";
import { parseConfigText } from "./load_config.ts";
import { renderConfig } from "./render_config.ts";
import { resolveNotifyPolicy } from "./resolve_notify.ts";

const env = (name: string) => ({ HOME: "/home/ada" } as Record<string, string>)[name];
const check = (text: string) => parseConfigText(text, { path: "/c.toml", env });
const problems = (text: string) => check(text).problems.map((p) => `${p.at}: ${p.message}`);

Deno.test("[notify] at the top level and per profile parses and renders back", () => {
  const text = `
[notify]
on = ["failed", "timed_out"]
command = ["notify-send", "molq"]
timeout = "10s"

[clusters.hpc]
scheduler = "slurm"
[clusters.hpc.notify]
mail = "ada@example.org"
array_tasks = true
all_jobs = false
`;
  const { config, problems } = check(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(config!.notify, {
    on: ["failed", "timed_out"],
    command: ["notify-send", "molq"],
    timeoutSeconds: 10,
  });
  assert.deepEqual(config!.clusters.hpc!.notify, {
    mail: "ada@example.org",
    arrayTasks: true,
    allJobs: false,
  });
  const rendered = renderConfig(config!);
  assert.match(
    rendered,
    /^\[notify\]\non = \["failed", "timed_out"\]\ncommand = \["notify-send", "molq"\]/m,
  );
  assert.deepEqual(check(rendered).config, config, "config show parses back");
});

Deno.test("molq config check names every [notify] problem", () => {
  assert.deepEqual(problems('[notify]\non = ["failed", "done"]\ncommand = ["x"]'), [
    'notify.on: expected an array of final states (succeeded, failed, cancelled, timed_out, lost), got "done"',
  ]);
  assert.deepEqual(problems("[notify]\ncommand = []"), [
    'notify.command: expected the command as an array of strings such as ["notify-send", "molq"], got an empty array',
    "notify: needs a command or a mail address (or on = [] to turn it off)",
  ]);
  assert.deepEqual(problems('[notify]\ncommand = "notify-send molq"'), [
    'notify.command: expected the command as an array of strings such as ["notify-send", "molq"], got a string',
    "notify: needs a command or a mail address (or on = [] to turn it off)",
  ]);
  assert.deepEqual(problems('[notify]\nmail = "a b@c"'), [
    "notify.mail: expected one mail address such as ada@example.org",
    "notify: needs a command or a mail address (or on = [] to turn it off)",
  ]);
  assert.deepEqual(problems('[notify]\ncommand = ["x"]\ntimout = "5s"'), [
    'notify.timout: unknown key (did you mean "timeout"?)',
  ]);
  assert.deepEqual(problems("[notify]\non = []"), [], "on = [] turns notifications off");
  assert.deepEqual(
    problems(
      '[notify]\non = ["failed"]\n[clusters.hpc]\nscheduler = "slurm"\n[clusters.hpc.notify]\narray_tasks = 1',
    ),
    [
      "clusters.hpc.notify.array_tasks: expected true or false, got an integer",
      "clusters.hpc.notify: needs a command or a mail address (or on = [] to turn it off)",
    ],
  );
});

Deno.test("resolveNotifyPolicy(): flags over the profile over the top level", () => {
  const { config } = check(`
[notify]
command = ["notify-send"]
[clusters.hpc]
scheduler = "slurm"
[clusters.hpc.notify]
on = ["succeeded", "failed"]
mail = "ada@example.org"
[clusters.quiet]
scheduler = "slurm"
[clusters.quiet.notify]
all_jobs = false
`);
  assert.deepEqual(resolveNotifyPolicy(config!, "local"), {
    on: ["failed", "timed_out", "lost", "cancelled"],
    command: ["notify-send"],
    timeoutSeconds: 30,
    arrayTasks: false,
  });
  assert.deepEqual(resolveNotifyPolicy(config!, "hpc"), {
    on: ["succeeded", "failed"],
    command: ["notify-send"],
    mail: "ada@example.org",
    timeoutSeconds: 30,
    arrayTasks: false,
  });
  assert.equal(resolveNotifyPolicy(config!, "hpc", { notify: false }), undefined, "--no-notify");
  assert.equal(resolveNotifyPolicy(config!, "quiet"), undefined, "all_jobs = false");
  assert.deepEqual(resolveNotifyPolicy(config!, "quiet", { notify: true })?.command, [
    "notify-send",
  ]);
  const oneOff = resolveNotifyPolicy(config!, "hpc", { notifyCommand: "echo $MOLQ_STATE" })!;
  assert.deepEqual(oneOff.command, ["/bin/sh", "-c", "echo $MOLQ_STATE"]);
  assert.equal(oneOff.mail, undefined, "a one-off replaces the configured ways");
  assert.equal(resolveNotifyPolicy(builtinConfig(), "local"), undefined, "nothing configured");
  assert.throws(
    () => resolveNotifyPolicy(builtinConfig(), "local", { notify: true }),
    (error: unknown) =>
      error instanceof UsageError && /--notify needs a command or mail/.test(error.message),
  );
  assert.throws(
    () => resolveNotifyPolicy(config!, "hpc", { notify: false, notifyCommand: "x" }),
    UsageError,
  );
});
