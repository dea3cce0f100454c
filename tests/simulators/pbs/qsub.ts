/**
 * Simulated `qsub SCRIPT` (PBS Pro, or Torque with PBS_SIM_FLAVOUR=torque): reads `#PBS`
 * directives and command-line options, stores the job, starts its launcher detached and
 * prints the job id (`1234.server`, arrays `1234[].server`).
 */
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnDetached } from "../../../src/process/run_command.ts";
import { directiveWords, pairOptions } from "../common/directive_words.ts";
import { parseIndexSpec } from "../common/index_spec.ts";
import {
  allocateJob,
  parseClock,
  stateDir,
  userName,
  writeJsonAtomic,
} from "../common/sim_state.ts";
import {
  type Flavour,
  flavourFromEnv,
  formatJobId,
  loadJob,
  parseJobRef,
  type PbsDependency,
  type PbsJob,
  refMatches,
  serverName,
} from "./pbs_model.ts";

class QsubError extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

const WITH_VALUE = new Set([
  "-N",
  "-q",
  "-A",
  "-l",
  "-o",
  "-e",
  "-J",
  "-t",
  "-W",
  "-j",
  "-m",
  "-M",
  "-S",
  "-v",
  "-P",
  "-r",
  "-k",
]);
const NO_VALUE = new Set(["-V", "-h", "-n"]);
const DEFAULT_QUEUE: Record<Flavour, string> = { pro: "workq", torque: "batch" };
const RESOURCES: Record<Flavour, Set<string>> = {
  pro: new Set(["select", "walltime", "place", "ncpus", "mem"]),
  torque: new Set(["nodes", "walltime", "mem", "ncpus", "pmem"]),
};

try {
  console.log(submit(Deno.args, flavourFromEnv()));
} catch (error) {
  if (!(error instanceof QsubError)) throw error;
  console.error(`qsub: ${error.message}`);
  Deno.exit(error.code);
}

function submit(args: string[], flavour: Flavour): string {
  const cli = parseOrThrow(args);
  const scriptPath = cli.operands[0];
  if (scriptPath === undefined) throw new QsubError("a script file is required", 2);
  let script: string;
  try {
    script = Deno.readTextFileSync(scriptPath);
  } catch {
    throw new QsubError(`script file:: No such file or directory ${scriptPath}`, 1);
  }
  const directives = parseOrThrow(wordsOrThrow(script));
  const options = [...directives.options, ...cli.options]; // the command line wins
  const state = stateDir();
  const server = serverName(flavour);
  const cwd = Deno.cwd();
  const { id, dir } = allocateJob(state, 1000);
  const job: PbsJob = {
    id,
    flavour,
    server,
    name: scriptPath.split("/").pop()!,
    owner: `${userName()}@${server}`,
    queue: DEFAULT_QUEUE[flavour],
    account: null,
    cwd,
    script: join(dir, "script"),
    resources: {},
    walltimeSeconds: null,
    outputPath: "",
    errorPath: "",
    array: null,
    depends: [],
    submittedAt: Date.now(),
    submitArgs: args.join(" "),
  };
  try {
    for (const [flag, value] of options) applyOption(job, flag, value, state);
  } catch (error) {
    Deno.removeSync(dir, { recursive: true });
    throw error;
  }
  job.outputPath ||= join(cwd, `${job.name}.o${id}`);
  job.errorPath ||= join(cwd, `${job.name}.e${id}`);
  Deno.writeTextFileSync(job.script, script, { mode: 0o700 });
  writeJsonAtomic(join(dir, "job.json"), job);
  const launcher = fileURLToPath(new URL("./launcher.ts", import.meta.url));
  spawnDetached([
    Deno.execPath(),
    "run",
    "--allow-all",
    "--quiet",
    "--no-lock",
    launcher,
    state,
    String(id),
  ]);
  return formatJobId(job, job.array ? "all" : null);
}

function parseOrThrow(words: string[]) {
  try {
    return pairOptions(words, WITH_VALUE, NO_VALUE);
  } catch (error) {
    throw new QsubError(String((error as Error).message), 2);
  }
}

function wordsOrThrow(script: string): string[] {
  try {
    return directiveWords(script, "#PBS");
  } catch (error) {
    throw new QsubError(`directive error: ${(error as Error).message}`, 2);
  }
}

function applyOption(job: PbsJob, flag: string, value: string, state: string): void {
  const pro = job.flavour === "pro";
  switch (flag) {
    case "-N":
      if (!/^[A-Za-z][^\s@]*$/.test(value)) throw new QsubError("illegal -N value", 2);
      job.name = value;
      return;
    case "-q": {
      const queues = (Deno.env.get("PBS_SIM_QUEUES") ?? `${DEFAULT_QUEUE[job.flavour]},debug`)
        .split(",");
      if (!queues.includes(value)) throw new QsubError(`Unknown queue ${value}`, 170);
      job.queue = value;
      return;
    }
    case "-A":
      job.account = value;
      return;
    case "-o":
    case "-e": {
      const path = value.replace(/^[^/:]+:/, ""); // [host:]path
      const absolute = isAbsolute(path) ? path : join(job.cwd, path);
      if (flag === "-o") job.outputPath = absolute;
      else job.errorPath = absolute;
      return;
    }
    case "-l":
      return applyResources(job, value);
    case "-J":
    case "-t":
      if ((flag === "-J") !== pro) throw new QsubError(`invalid option -- '${flag.slice(1)}'`, 2);
      if (pro && !/^\d+-\d+(:\d+)?(%\d+)?$/.test(value)) {
        throw new QsubError("illegal -J value", 2);
      }
      try {
        job.array = { ...parseIndexSpec(value), text: value };
      } catch {
        throw new QsubError(`illegal ${flag} value`, 2);
      }
      return;
    case "-W":
      if (value.startsWith("depend=")) job.depends = parseDepend(value.slice(7), state);
      return;
    default:
      return; // accepted and ignored: -j, -m, -M, -S, -v, -V, -h, -P, -r, -k, -n
  }
}

function applyResources(job: PbsJob, value: string): void {
  for (const item of value.split(",")) {
    const [key, resource] = [item.slice(0, item.indexOf("=")), item.slice(item.indexOf("=") + 1)];
    if (!item.includes("=") || !RESOURCES[job.flavour].has(key)) {
      throw new QsubError(`Unknown resource Resource_List.${key || item}`, 2);
    }
    if (key === "walltime") {
      const seconds = parseClock(resource);
      if (!Number.isFinite(seconds)) {
        throw new QsubError("Illegal attribute or resource value Resource_List.walltime", 2);
      }
      job.walltimeSeconds = seconds;
      job.resources.walltime = resource;
    } else if (key === "select") {
      const [count, ...chunk] = resource.split(":");
      if (!/^\d+$/.test(count ?? "")) throw new QsubError("Illegal value for select", 2);
      job.resources.select = resource;
      job.resources.nodect = Number(count);
      for (const part of chunk) {
        const [name, amount] = part.split("=");
        if (!name || amount === undefined) throw new QsubError("Illegal value for select", 2);
        job.resources[name] = /^\d+$/.test(amount) ? Number(amount) : amount;
      }
    } else {
      job.resources[key] = /^\d+$/.test(resource) ? Number(resource) : resource;
    }
  }
}

function parseDepend(value: string, state: string): PbsDependency[] {
  return value.split(",").map((part) => {
    const [kind, ...refs] = part.split(":");
    if (!["after", "afterok", "afternotok", "afterany"].includes(kind ?? "") || refs.length === 0) {
      throw new QsubError(`illegal -W value`, 2);
    }
    for (const text of refs) {
      const ref = parseJobRef(text);
      const upstream = ref ? loadJob(state, ref.id) : undefined;
      if (!ref || !upstream || !refMatches(upstream, ref)) {
        throw new QsubError(`Unknown Job Id ${text}`, 153);
      }
    }
    return { kind: kind as PbsDependency["kind"], refs };
  });
}
