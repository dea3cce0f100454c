/**
 * Simulated `bsub < script`: reads the script on stdin, honours `#BSUB` directives and
 * command-line options, stores the job, starts its launcher detached and prints
 * `Job <1234> is submitted to queue <normal>.`
 */
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnDetached } from "../../../src/process/run_command.ts";
import { directiveWords, pairOptions } from "../common/directive_words.ts";
import { parseIndexSpec } from "../common/index_spec.ts";
import { allocateJob, stateDir, userName, writeJsonAtomic } from "../common/sim_state.ts";
import { referencedJobs } from "./lsf_depend.ts";
import { loadJob, type LsfJob, parseJobRef } from "./lsf_model.ts";

class BsubError extends Error {}

const WITH_VALUE = new Set([
  "-J",
  "-q",
  "-P",
  "-n",
  "-M",
  "-W",
  "-o",
  "-e",
  "-oo",
  "-eo",
  "-w",
  "-gpu",
  "-R",
  "-U",
  "-cwd",
  "-L",
  "-u",
  "-m",
]);
const NO_VALUE = new Set(["-ti", "-x", "-B", "-N", "-r", "-rn"]);

try {
  console.log(await submit(Deno.args));
} catch (error) {
  if (!(error instanceof BsubError)) throw error;
  console.error(error.message);
  Deno.exit(255);
}

async function submit(args: string[]): Promise<string> {
  const cli = parse(args);
  if (cli.operands.length > 0) {
    throw new BsubError("bsub: the simulator reads the job script on stdin only.");
  }
  const script = await new Response(Deno.stdin.readable).text();
  if (script.trim() === "") throw new BsubError("No command is specified. Job not submitted.");
  let words: string[];
  try {
    words = directiveWords(script, "#BSUB");
  } catch (error) {
    throw new BsubError(`bsub: ${(error as Error).message}. Job not submitted.`);
  }
  const options = [...parse(words).options, ...cli.options]; // the command line wins
  const state = stateDir();
  const job: LsfJob = {
    id: 0,
    name: "",
    queue: "normal",
    project: "default",
    user: userName(),
    slots: 1,
    memLimit: null,
    runLimitMinutes: null,
    outputSpec: null,
    errorSpec: null,
    overwriteOutput: false,
    overwriteError: false,
    dependency: null,
    orphanTerminate: false,
    array: null,
    gpu: null,
    resources: [],
    exclusive: false,
    cwd: Deno.cwd(),
    script: "",
    submittedAt: Date.now(),
  };
  for (const [flag, value] of options) apply(job, flag, value, state);
  const { id, dir } = allocateJob(state, 1000);
  job.id = id;
  job.name ||= script.split("\n").find((l) => l.trim() && !l.startsWith("#"))?.trim() ?? "job";
  job.script = join(dir, "script");
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
  return `Job <${id}> is submitted to queue <${job.queue}>.`;
}

function parse(words: string[]) {
  try {
    return pairOptions(words, WITH_VALUE, NO_VALUE);
  } catch (error) {
    throw new BsubError(`bsub: ${(error as Error).message}. Job not submitted.`);
  }
}

function apply(job: LsfJob, flag: string, value: string, state: string): void {
  switch (flag) {
    case "-J": {
      const match = /^([^[\]]*)(?:\[([^\]]+)\](%\d+)?)?$/.exec(value);
      if (!match) throw new BsubError(`${value}: Bad job name. Job not submitted.`);
      job.name = match[1]!;
      if (match[2] !== undefined) {
        try {
          const spec = parseIndexSpec(match[2] + (match[3] ?? ""));
          if (spec.indices.includes(0)) throw new Error("index 0");
          job.array = { ...spec, text: match[2] };
        } catch {
          throw new BsubError(`${value}: Bad job array index list. Job not submitted.`);
        }
      }
      return;
    }
    case "-q": {
      const queues = (Deno.env.get("LSF_SIM_QUEUES") ?? "normal,short").split(",");
      if (!queues.includes(value)) {
        throw new BsubError(`${value}: No such queue. Job not submitted.`);
      }
      job.queue = value;
      return;
    }
    case "-P":
      job.project = value;
      return;
    case "-n":
      if (!/^\d+$/.test(value)) {
        throw new BsubError(`${value}: Bad argument for option -n. Job not submitted.`);
      }
      job.slots = Number(value);
      return;
    case "-M":
      if (!/^\d+(KB|MB|GB|TB|K|M|G|T)?$/i.test(value)) {
        throw new BsubError(`${value}: Bad argument for option -M. Job not submitted.`);
      }
      job.memLimit = value;
      return;
    case "-W": {
      const match = /^(?:(\d+):)?(\d+)$/.exec(value);
      if (!match) throw new BsubError(`${value}: Bad RUNLIMIT specification. Job not submitted.`);
      job.runLimitMinutes = Number(match[1] ?? 0) * 60 + Number(match[2]);
      return;
    }
    case "-o":
    case "-oo":
      job.outputSpec = isAbsolute(value) ? value : join(job.cwd, value);
      job.overwriteOutput = flag === "-oo";
      return;
    case "-e":
    case "-eo":
      job.errorSpec = isAbsolute(value) ? value : join(job.cwd, value);
      job.overwriteError = flag === "-eo";
      return;
    case "-w":
      for (const text of referencedJobs(value)) {
        const ref = parseJobRef(text);
        if (!ref || !loadJob(state, ref.id)) {
          throw new BsubError(`${text}: No matching job found. Job not submitted.`);
        }
      }
      job.dependency = value;
      return;
    case "-ti":
      job.orphanTerminate = true;
      return;
    case "-gpu":
      if (!/^num=\d+(:[\w=-]+)*$/.test(value)) {
        throw new BsubError(`${value}: Bad GPU requirement. Job not submitted.`);
      }
      job.gpu = value;
      return;
    case "-R":
      job.resources.push(value);
      return;
    case "-x":
      job.exclusive = true;
      return;
    default:
      return; // accepted and ignored: -U, -cwd, -L, -u, -m, -B, -N, -r, -rn
  }
}
