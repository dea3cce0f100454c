/** The LSF simulator prints what the documented samples show. */
import assert from "node:assert/strict";
import { runCommand } from "../../../src/process/run_command.ts";
import {
  BJOBS_FIELDS,
  parseBhist,
  parseBjobsDelimited,
  parseBsubOutput,
} from "../../../src/schedulers/lsf_parse.ts";
import { startSimulator } from "../harness.ts";
import { evaluate } from "./lsf_depend.ts";
import type { ElementView } from "./lsf_model.ts";

const sample = (name: string) =>
  Deno.readTextFileSync(new URL(`../../../testdata/lsf/${name}`, import.meta.url));
const run = (argv: string[], stdin?: string) => runCommand(argv, { allowFailure: true, stdin });
const FORMAT = BJOBS_FIELDS.join(" ");

async function submitAndWait(LSF: Record<string, string>, script: string): Promise<string> {
  const { stdout } = await run([LSF.bsub!], `#!/bin/sh\n${script}\n`);
  const id = parseBsubOutput(stdout);
  for (let i = 0; i < 100; i++) {
    const { stdout } = await run([LSF.bjobs!, "-a", "-o", "stat", "-noheader", id]);
    if (stdout.trim() && stdout.split("\n").filter((l) => l).every((l) => /DONE|EXIT/.test(l))) {
      return id;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${id} did not finish`);
}

Deno.test("LSF simulator: bsub prints the documented confirmation", async () => {
  const LSF = startSimulator("lsf", { LSF_SIM_CLEAN_PERIOD: "3600" }).commands;
  const { stdout } = await run([LSF.bsub!], "#!/bin/sh\ntrue\n");
  assert.match(stdout, /^Job <\d+> is submitted to queue <normal>\.\n$/);
  assert.match(sample("bsub.txt"), /^Job <\d+> is submitted to queue <normal>\.\n$/);
  const rejected = await run([LSF.bsub!, "-q", "nope"], "#!/bin/sh\ntrue\n");
  assert.deepEqual([rejected.code, rejected.stderr], [
    255,
    "nope: No such queue. Job not submitted.\n",
  ]);
});

Deno.test("LSF simulator: bjobs -json records have the documented keys", async () => {
  const LSF = startSimulator("lsf", { LSF_SIM_CLEAN_PERIOD: "3600" }).commands;
  const id = await submitAndWait(LSF, '#BSUB -J "s[1-2]"\nexit $LSB_JOBINDEX');
  const { stdout } = await run([LSF.bjobs!, "-a", "-o", FORMAT, "-json", id, "9999"]);
  const ours = JSON.parse(stdout);
  const documented = JSON.parse(sample("bjobs.json"));
  assert.deepEqual(Object.keys(ours), Object.keys(documented));
  assert.deepEqual(ours.RECORDS.map((r: object) => Object.keys(r)), [
    Object.keys(documented.RECORDS[0]),
    Object.keys(documented.RECORDS[0]),
    ["JOBID", "ERROR"],
  ]);
  assert.deepEqual(
    ours.RECORDS.map((r: Record<string, string>) => [r.JOBINDEX, r.STAT, r.EXIT_CODE]),
    [
      ["1", "EXIT", "1"],
      ["2", "EXIT", "2"],
      [undefined, undefined, undefined],
    ],
  );
  assert.equal(ours.RECORDS[2].ERROR, "Job <9999> is not found");
});

Deno.test("LSF simulator: the delimiter form parses like the documented one", async () => {
  const LSF =
    startSimulator("lsf", { LSF_SIM_CLEAN_PERIOD: "3600", LSB_DISPLAY_YEAR: "Y" }).commands;
  const id = await submitAndWait(LSF, "exit 0");
  const { stdout, code } = await run([
    LSF.bjobs!,
    "-a",
    "-o",
    `${FORMAT} delimiter="|"`,
    "-noheader",
    id,
  ]);
  assert.equal(code, 0);
  const [ours] = parseBjobsDelimited(stdout, BJOBS_FIELDS, "|");
  assert.deepEqual([ours!.stat, ours!.exitCode, ours!.index], ["DONE", null, 0]);
  assert.match(stdout, /\|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\|/);
});

Deno.test("LSF simulator: jobs leave bjobs after CLEAN_PERIOD; bhist -l still knows them", async () => {
  const sim = startSimulator("lsf", { LSF_SIM_CLEAN_PERIOD: "3600", LSF_SIM_BHIST: "1" });
  const LSF = sim.commands;
  const ids = [await submitAndWait(LSF, "exit 6")];
  sim.set({ LSF_SIM_CLEAN_PERIOD: "0" });
  const gone = await run([LSF.bjobs!, "-a", "-o", FORMAT, "-json", ...ids]);
  assert.match(gone.stdout, /"ERROR":"Job <\d+> is not found"/);
  const history = await run([LSF.bhist!, "-l", ...ids]);
  assert.ok(history.stdout.split("\n").every((line) => line.length <= 79));
  assert.deepEqual(parseBhist(history.stdout).map((s) => [s.stat, s.exitCode]), [["EXIT", 6]]);
  assert.deepEqual(parseBhist(sample("bhist_l.txt")).length, 4);
  sim.set({ LSF_SIM_BHIST: "0" });
  assert.deepEqual([(await run([LSF.bhist!, "-l", ...ids])).stderr], ["No matching job found\n"]);
});

Deno.test("LSF simulator: dependency expressions evaluate to ok, wait or never", () => {
  const view = (stat: "DONE" | "EXIT" | "RUN"): ElementView[] => [{
    index: 0,
    stat,
    run: { stat, startedAt: 1, ...(stat === "RUN" ? {} : { endedAt: 2 }) },
  }];
  const jobs: Record<number, ElementView[]> = { 1: view("DONE"), 2: view("EXIT"), 3: view("RUN") };
  const lookup = (id: number) => jobs[id];
  assert.equal(evaluate("done(1) && exit(2)", lookup), "ok");
  assert.equal(evaluate("done(1) && done(3)", lookup), "wait");
  assert.equal(evaluate("done(2) || done(3)", lookup), "wait");
  assert.equal(evaluate("done(2)", lookup), "never");
  assert.equal(evaluate("!done(2) && started(3)", lookup), "ok");
  assert.equal(evaluate("ended(9)", lookup), "never");
});
