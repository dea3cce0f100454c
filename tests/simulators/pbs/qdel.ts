/**
 * Simulated `qdel ID...`: leaves a delete request that the job's launcher acts on (TERM
 * to the job's process group, KILL after PBS_SIM_KILL_DELAY seconds; queued jobs never start).
 */
import { stateDir } from "../common/sim_state.ts";
import {
  deleteMarker,
  flavourFromEnv,
  formatJobId,
  isFinished,
  loadJob,
  parseJobRef,
  refMatches,
  serverName,
  taskViews,
} from "./pbs_model.ts";

const flavour = flavourFromEnv();
const state = stateDir();
let exitCode = 0;
for (const text of Deno.args.filter((arg) => !arg.startsWith("-"))) {
  const ref = parseJobRef(text);
  const job = ref ? loadJob(state, ref.id) : undefined;
  if (!ref || !job || !refMatches(job, ref)) {
    const full = text.includes(".") ? text : `${text}.${serverName(flavour)}`;
    console.error(`qdel: Unknown Job Id ${full}`);
    exitCode = 153;
    continue;
  }
  const tasks = taskViews(state, job).filter((t) => ref.index === "all" || t.index === ref.index);
  if (tasks.every((t) => isFinished(t.letter))) {
    const full = formatJobId(job, ref.index);
    if (flavour === "pro") console.error(`qdel: Job ${full} has finished`);
    else {console.error(
        `qdel: Request invalid for state of job MSG=invalid state for job - COMPLETE ${full}`,
      );}
    exitCode = flavour === "pro" ? 35 : 170;
    continue;
  }
  const index = typeof ref.index === "number" ? ref.index : null;
  Deno.writeTextFileSync(deleteMarker(state, job.id, index), `${Date.now()}\n`);
}
Deno.exit(exitCode);
