/** Simulated `bkill ID...`: the job's launcher sends TERM, then KILL, and records TERM_OWNER. */
import { stateDir } from "../common/sim_state.ts";
import {
  elementViews,
  isFinished,
  killMarker,
  loadJob,
  parseJobRef,
  selectElements,
} from "./lsf_model.ts";

const state = stateDir();
let exitCode = 0;
for (const text of Deno.args.filter((arg) => !arg.startsWith("-"))) {
  const ref = parseJobRef(text);
  const job = ref ? loadJob(state, ref.id) : undefined;
  const selected = job && ref
    ? selectElements(job, ref.index, elementViews(state, job))
    : undefined;
  if (!ref || !selected) {
    console.error(`Job <${text}>: No matching job found`);
    exitCode = 255;
  } else if (selected.every(isFinished)) {
    console.error(`Job <${text}>: Job has already finished`);
    exitCode = 255;
  } else {
    Deno.writeTextFileSync(killMarker(state, ref.id, ref.index), `${Date.now()}\n`);
    console.log(`Job <${text}> is being terminated`);
  }
}
Deno.exit(exitCode);
