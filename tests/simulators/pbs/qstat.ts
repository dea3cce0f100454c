/**
 * Simulated `qstat`: `--version`, `-f -F json [-x] [-t] ID...` (PBS Pro) and
 * `-f -1 [-t] ID...` (Torque). Known jobs go to stdout, unknown ones to stderr with the
 * real messages and exit codes; finished jobs stay only as long as the server keeps them.
 */
import { stateDir } from "../common/sim_state.ts";
import { type Attributes, formatFullText, formatProJson, jobAttributes } from "./pbs_format.ts";
import {
  flavourFromEnv,
  formatJobId,
  isFinished,
  lastEnded,
  loadJob,
  parseJobRef,
  type PbsJob,
  refMatches,
  retentionMs,
  serverName,
  type TaskView,
  taskViews,
} from "./pbs_model.ts";

const PRO_VERSION = "22.05.11";
const TORQUE_VERSION = "6.1.3";

const flavour = flavourFromEnv();
const pro = flavour === "pro";
const args = [...Deno.args];
if (args.includes("--version")) {
  console.log(pro ? `pbs_version = ${PRO_VERSION}` : `Version: ${TORQUE_VERSION}`);
  Deno.exit(0);
}

const flags = new Set<string>();
let format = "";
const ids: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === "-F" && pro) format = args[++i] ?? "";
  else if (["-f", "-x", "-t", "-1", "-w"].includes(arg)) flags.add(arg);
  else if (arg.startsWith("-")) fail(`invalid option -- '${arg.slice(1)}'`, 2);
  else ids.push(arg);
}
if (!flags.has("-f")) fail("the simulator implements only full output (-f)", 2);

const state = stateDir();
const now = Date.now();
const shown: [string, Attributes][] = [];
let exitCode = 0;
for (const text of ids) {
  const ref = parseJobRef(text);
  const job = ref ? loadJob(state, ref.id) : undefined;
  if (!ref || !job || job.flavour !== flavour || !refMatches(job, ref)) {
    const full = /\./.test(text) ? text : `${text}.${serverName(flavour)}`;
    report(pro ? `qstat: Unknown Job Id ${full}` : `qstat: Unknown Job Id Error ${full}`, 153);
    continue;
  }
  const tasks = taskViews(state, job);
  const entries = visibleEntries(job, ref.index, tasks);
  if (entries === "gone") {
    const full = formatJobId(job, ref.index);
    report(pro ? `qstat: Unknown Job Id ${full}` : `qstat: Unknown Job Id Error ${full}`, 153);
  } else if (entries === "history") {
    const full = formatJobId(job, ref.index);
    report(
      `qstat: ${full} Job has finished, use -x or -H to obtain historical job information`,
      35,
    );
  } else {
    for (const index of entries) {
      shown.push([formatJobId(job, index), jobAttributes(job, index, tasks, now)]);
    }
  }
}

if (!pro && flags.has("-x")) {
  // On Torque, -x means XML output, not "include finished jobs".
  const xml = shown.map(([id, a]) =>
    `<Job><Job_Id>${id}</Job_Id><job_state>${a.job_state}</job_state></Job>`
  );
  console.log(`<Data>${xml.join("")}</Data>`);
} else if (format === "json") {
  console.log(formatProJson(shown, serverName(flavour), PRO_VERSION));
} else if (shown.length > 0) {
  console.log(formatFullText(shown));
}
Deno.exit(exitCode);

/** Which entries of a reference qstat shows now, or why it shows none. */
function visibleEntries(
  job: PbsJob,
  index: number | null | "all",
  tasks: readonly TaskView[],
): (number | null | "all")[] | "gone" | "history" {
  const retention = retentionMs(job.flavour);
  const allDone = tasks.every((t) => isFinished(t.letter));
  const kept = (endedAt: number) => now - endedAt <= retention;
  if (pro) {
    // A subjob's history lives and dies with its array.
    if (allDone && !kept(lastEnded(tasks))) return "gone";
    if (allDone && !flags.has("-x")) return "history";
    if (index !== "all" || !flags.has("-t")) return [index];
    return ["all", ...tasks.map((t) => t.index)];
  }
  const visible = (t: TaskView) => !isFinished(t.letter) || kept(t.run?.endedAt ?? 0);
  if (index !== "all") {
    const task = tasks.find((t) => t.index === index);
    return task && visible(task) ? [index] : "gone";
  }
  if (allDone && !kept(lastEnded(tasks))) return "gone";
  return flags.has("-t") ? tasks.filter(visible).map((t) => t.index) : ["all"];
}

function report(message: string, code: number): void {
  console.error(message);
  exitCode = code;
}

function fail(message: string, code: number): never {
  console.error(`qstat: ${message}`);
  Deno.exit(code);
}
