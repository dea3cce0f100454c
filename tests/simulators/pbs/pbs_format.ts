/**
 * How the simulated qstat prints jobs: the attribute set of a job, subjob or array in the
 * shape PBS Pro and Torque use, as PBS Pro JSON (`-f -F json`) or `-f -1` text.
 */
import { clock, ctime } from "../common/sim_state.ts";
import {
  arrayExitStatus,
  arrayLetter,
  formatJobId,
  isFinished,
  lastEnded,
  parseJobRef,
  type PbsJob,
  type PbsRun,
  type TaskView,
} from "./pbs_model.ts";

type Value = string | number;
export type Attributes = Record<string, Value | Record<string, Value>>;

/** Attributes of one job or subjob (`index` a number or null) or of an array (`"all"`). */
export function jobAttributes(
  job: PbsJob,
  index: number | null | "all",
  tasks: readonly TaskView[],
  now: number,
): Attributes {
  const pro = job.flavour === "pro";
  const view = index === "all" ? undefined : tasks.find((t) => t.index === index);
  const letter = view?.letter ?? arrayLetter(job, tasks);
  const run: PbsRun | undefined = view ? view.run : aggregateRun(tasks);
  const finished = isFinished(letter);
  const exitStatus = view ? run?.exitStatus : pro ? arrayExitStatus(tasks) : undefined;
  const startedAt = run?.startedAt;
  const a: Attributes = { Job_Name: job.name, Job_Owner: job.owner };
  if (startedAt !== undefined) {
    // What the launcher measured once the job ended (0 before: the MoM has not polled).
    const usedSeconds = ((run?.endedAt ?? now) - startedAt) / 1000;
    const cpu = run?.cpuSeconds ?? 0;
    const memKb = Math.round(run?.peakRssKb ?? 0);
    a.resources_used = {
      cpupercent: usedSeconds > 0 ? Math.round((cpu / usedSeconds) * 100) : 0,
      cput: clock(cpu),
      mem: `${memKb}kb`,
      ncpus: job.resources.ncpus ?? 1,
      vmem: `${memKb}kb`,
      walltime: clock(usedSeconds),
    };
  }
  Object.assign(a, { job_state: letter, queue: job.queue, server: job.server });
  if (job.account) a.Account_Name = job.account;
  a.Checkpoint = "u";
  a.ctime = ctime(job.submittedAt);
  if (job.depends.length > 0) a.depend = dependText(job);
  a.Error_Path = `${job.server}:${shownPath(job, "e", index)}`;
  if (startedAt !== undefined) {
    a.exec_host = `${job.server}/0`;
    if (pro) a.exec_vnode = `(${job.server}:ncpus=1)`;
  }
  Object.assign(a, {
    Hold_Types: letter === "H" ? "s" : "n",
    Join_Path: "n",
    Keep_Files: "n",
    Mail_Points: "a",
    mtime: ctime(run?.endedAt ?? startedAt ?? job.submittedAt),
    Output_Path: `${job.server}:${shownPath(job, "o", index)}`,
    Priority: 0,
    qtime: ctime(job.submittedAt),
    Rerunable: "True",
    Resource_List: { ...job.resources },
  });
  if (startedAt !== undefined && pro) a.stime = ctime(startedAt);
  if (startedAt !== undefined) a.session_id = run?.session ?? 4242;
  const variables = {
    PBS_O_HOME: Deno.env.get("HOME") ?? "/",
    PBS_O_WORKDIR: job.cwd,
    PBS_O_QUEUE: job.queue,
  };
  a.Variable_List = pro
    ? variables
    : Object.entries(variables).map(([k, v]) => `${k}=${v}`).join(",");
  if (run?.comment) a.comment = run.comment;
  a.etime = ctime(job.submittedAt);
  if (pro) a.run_count = startedAt === undefined ? 0 : 1;
  if (exitStatus !== undefined && finished) a[pro ? "Exit_status" : "exit_status"] = exitStatus;
  if (pro) {
    a.Submit_arguments = job.submitArgs;
    if (finished && run?.endedAt) {
      a.obittime = ctime(run.endedAt);
      a.history_timestamp = Math.floor(run.endedAt / 1000);
    }
    a.project = "_pbs_project_default";
    Object.assign(a, arrayAttributesPro(job, index, tasks));
  } else {
    Object.assign(a, {
      euser: job.owner.split("@")[0]!,
      egroup: "users",
      queue_type: "E",
      submit_args: job.submitArgs,
    });
    if (startedAt !== undefined) Object.assign(a, { start_time: ctime(startedAt), start_count: 1 });
    if (finished && run?.endedAt) a.comp_time = ctime(run.endedAt);
    if (typeof index === "number") a.job_array_id = index;
    if (index === "all") a.job_array_request = job.array?.text ?? "";
    Object.assign(a, { submit_host: job.server, init_work_dir: job.cwd });
  }
  return a;
}

function aggregateRun(tasks: readonly TaskView[]): PbsRun | undefined {
  const starts = tasks.map((t) => t.run?.startedAt).filter((s) => s !== undefined);
  if (tasks.every((t) => !t.run)) return undefined;
  const done = tasks.every((t) => isFinished(t.letter));
  return {
    phase: done ? "F" : "R",
    startedAt: starts.length > 0 ? Math.min(...starts) : undefined,
    endedAt: done ? lastEnded(tasks) : undefined,
  };
}

function arrayAttributesPro(
  job: PbsJob,
  index: number | null | "all",
  tasks: readonly TaskView[],
): Attributes {
  if (typeof index === "number") return { array_id: formatJobId(job, "all"), array_index: index };
  if (index !== "all") return {};
  const count = (letters: string) => tasks.filter((t) => letters.includes(t.letter)).length;
  const queued = tasks.filter((t) => t.letter === "Q" || t.letter === "H").map((t) => t.index);
  return {
    array: "True",
    array_indices_submitted: job.array?.text ?? "",
    array_indices_remaining: queued.length > 0 ? queued.join(",") : "-",
    array_state_count: `Queued:${count("QH")} Running:${count("R")} Exiting:0 Expired:${
      count("XF")
    } `,
  };
}

function shownPath(job: PbsJob, which: "o" | "e", index: number | null | "all"): string {
  const given = which === "o" ? job.outputPath : job.errorPath;
  // Torque names each subjob's file itself; PBS Pro shows the template with ^array_index^.
  return job.flavour === "torque" && typeof index === "number" ? `${given}-${index}` : given;
}

function dependText(job: PbsJob): string {
  return job.depends.map((d) => {
    const refs = d.refs.map((text) => {
      const ref = parseJobRef(text);
      const bracket = ref?.index === "all" ? "[]" : "";
      return `${ref?.id ?? text}${bracket}.${job.server}`;
    });
    return `${d.kind}:${refs.join(":")}`;
  }).join(",");
}

/** PBS Pro's JSON layout: four-space indent, no space after the colon. */
export function formatProJson(
  jobs: [string, Attributes][],
  server: string,
  version: string,
): string {
  const top: Record<string, unknown> = {
    timestamp: Math.floor(Date.now() / 1000),
    pbs_version: version,
    pbs_server: server,
  };
  if (jobs.length > 0) top.Jobs = Object.fromEntries(jobs);
  return printJson(top, 0);
}

function printJson(value: unknown, depth: number): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const pad = "    ".repeat(depth + 1);
  const entries = Object.entries(value as Record<string, unknown>)
    .map(([key, inner]) => `${pad}${JSON.stringify(key)}:${printJson(inner, depth + 1)}`);
  return `{\n${entries.join(",\n")}\n${"    ".repeat(depth)}}`;
}

/** `qstat -f -1` text: `Job Id: ID` then `    key = value` lines, nested keys dotted. */
export function formatFullText(jobs: [string, Attributes][]): string {
  return jobs.map(([id, attributes]) => {
    const lines = [`Job Id: ${id}`];
    for (const [key, value] of Object.entries(attributes)) {
      if (typeof value === "object") {
        for (const [inner, v] of Object.entries(value)) lines.push(`    ${key}.${inner} = ${v}`);
      } else lines.push(`    ${key} = ${value}`);
    }
    return lines.join("\n") + "\n";
  }).join("\n");
}
