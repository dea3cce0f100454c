/** The PBS simulator prints what the documented samples show. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCommand } from "../../../src/process/run_command.ts";
import {
  parsePbsFlavour,
  parseQstatErrors,
  parseQstatFull,
  parseQstatJson,
} from "../../../src/schedulers/pbs_parse.ts";
import { startSimulator } from "../harness.ts";

const sample = (name: string) =>
  Deno.readTextFileSync(new URL(`../../../testdata/pbs/${name}`, import.meta.url));
// qsub writes default output files into its working directory: keep them in the temp dir.
const run = (argv: string[]) => runCommand(argv, { allowFailure: true });

function script(root: string, body: string): string {
  const path = join(root, `job-${crypto.randomUUID()}.sh`);
  // Explicit output paths: the default ones would land in the working directory.
  const directives = `#PBS -o ${join(root, "out")}\n#PBS -e ${join(root, "err")}`;
  Deno.writeTextFileSync(path, `#!/bin/sh\n${directives}\n${body}\n`);
  return path;
}

async function waitFinished(qstat: string[], id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { stdout } = await run([...qstat, id]);
    if (/"job_state":"F"|job_state = C/.test(stdout)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${id} did not finish`);
}

function keysOf(document: string): Set<string> {
  const jobs = JSON.parse(document).Jobs as Record<string, Record<string, unknown>>;
  return new Set(Object.values(jobs).flatMap((job) => Object.keys(job)));
}

Deno.test("PBS simulator: --version lines match the documented ones", async () => {
  const PRO = startSimulator("pbs", {}).commands;
  const TORQUE = startSimulator("torque", {}).commands;
  assert.equal(parsePbsFlavour((await run([PRO.qstat!, "--version"])).stdout), "pro");
  assert.equal((await run([PRO.qstat!, "--version"])).stdout, sample("qstat_version_pro.txt"));
  assert.equal(parsePbsFlavour((await run([TORQUE.qstat!, "--version"])).stdout), "torque");
});

Deno.test("PBS simulator: qstat -f -F json has the documented layout and keys", async () => {
  const sim = startSimulator("pbs", { PBS_SIM_HISTORY: "1" });
  const [root, PRO] = [sim.root, sim.commands];
  const id =
    (await run([PRO.qsub!, script(root, "#PBS -N sample\n#PBS -l walltime=00:01:00\nexit 3")]))
      .stdout.trim();
  assert.match(id, /^\d+\.server$/);
  await waitFinished([PRO.qstat!, "-f", "-F", "json", "-x"], id);
  const { stdout, code } = await run([PRO.qstat!, "-f", "-F", "json", "-x", id]);
  assert.equal(code, 0);
  const documented = sample("qstat_pro_jobs.json");
  assert.deepEqual(Object.keys(JSON.parse(stdout)), Object.keys(JSON.parse(documented)));
  const extra = [...keysOf(stdout)].filter((key) => !keysOf(documented).has(key));
  assert.deepEqual(extra, []);
  assert.match(stdout, /^ {4}"pbs_version":"22\.05\.11",$/m); // four spaces, no space after the colon
  const [job] = parseQstatJson(stdout);
  assert.deepEqual([job!.state, job!.exitStatus, job!.walltimeLimitSeconds], ["F", 3, 60]);
});

Deno.test("PBS simulator: unknown ids, history off and -x behave as documented", async () => {
  const sim = startSimulator("pbs", { PBS_SIM_HISTORY: "1" });
  const [root, PRO] = [sim.root, sim.commands];
  const id = (await run([PRO.qsub!, script(root, "true")])).stdout.trim();
  await waitFinished([PRO.qstat!, "-f", "-F", "json", "-x"], id);
  const withoutX = await run([PRO.qstat!, "-f", "-F", "json", id, "999.server"]);
  assert.equal(withoutX.code, 153);
  assert.deepEqual(parseQstatErrors(withoutX.stderr).unknown, [id, "999.server"]);
  assert.match(withoutX.stderr, /Job has finished, use -x or -H/);
  assert.match(withoutX.stderr, /^qstat: Unknown Job Id 999\.server$/m);
  sim.set({ PBS_SIM_HISTORY: "0" });
  const gone = await run([PRO.qstat!, "-f", "-F", "json", "-x", id]);
  assert.equal(gone.code, 153);
  assert.deepEqual(JSON.parse(gone.stdout).Jobs, undefined);
  assert.equal((await run([PRO.qdel!, id])).code, 35);
});

Deno.test("PBS simulator: arrays print 1234[].server and subjobs with -t", async () => {
  const sim = startSimulator("pbs", { PBS_SIM_HISTORY: "1" });
  const [root, PRO] = [sim.root, sim.commands];
  const id = (await run([PRO.qsub!, script(root, "#PBS -J 0-3\nexit $PBS_ARRAY_INDEX")])).stdout
    .trim();
  assert.match(id, /^\d+\[\]\.server$/);
  await waitFinished([PRO.qstat!, "-f", "-F", "json", "-x"], id);
  const jobs = parseQstatJson((await run([PRO.qstat!, "-f", "-F", "json", "-x", "-t", id])).stdout);
  assert.deepEqual(jobs.map((j) => [j.state, j.exitStatus]), [["F", 1], ["X", 0], ["X", 1], [
    "X",
    2,
  ], ["X", 3]]);
  assert.deepEqual(
    Object.keys(JSON.parse(sample("qstat_pro_array.json")).Jobs).map((k) => k.replace(/^\d+/, "N")),
    [
      "N[].server",
      "N[0].server",
      "N[1].server",
      "N[2].server",
      "N[3].server",
    ],
  );
});

Deno.test("PBS simulator: Torque prints qstat -f -1 text and forgets after keep_completed", async () => {
  const sim = startSimulator("torque", { TORQUE_SIM_KEEP_COMPLETED: "1" });
  const [root, TORQUE] = [sim.root, sim.commands];
  const id =
    (await run([TORQUE.qsub!, script(root, "#PBS -l nodes=1:ppn=2,walltime=00:01:00\nexit 4")]))
      .stdout.trim();
  assert.match(id, /^\d+\.host$/);
  await waitFinished([TORQUE.qstat!, "-f", "-1"], id);
  const { stdout } = await run([TORQUE.qstat!, "-f", "-1", id]);
  assert.ok(
    stdout.split("\n").slice(1).every((line) => line === "" || /^ {4}[\w.]+ = /.test(line)),
  );
  const documentedKeys = new Set(
    sample("qstat_torque.txt").split("\n").map((l) => /^ {4}([\w]+)/.exec(l)?.[1]),
  );
  const keys = stdout.split("\n").map((l) => /^ {4}([\w]+)/.exec(l)?.[1]).filter((k) =>
    k !== undefined
  );
  assert.deepEqual(keys.filter((k) => !documentedKeys.has(k)), []);
  assert.deepEqual(parseQstatFull(stdout).map((j) => [j.state, j.exitStatus]), [["C", 4]]);
  assert.equal((await run([TORQUE.qstat!, "-x", id])).code, 2); // -x is XML on Torque, and needs -f here
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const gone = await run([TORQUE.qstat!, "-f", "-1", id]);
  assert.equal(gone.code, 153);
  assert.equal(
    gone.stderr.trim(),
    sample("qstat_unknown_torque.stderr").trim().replace("999.host", id),
  );
});
