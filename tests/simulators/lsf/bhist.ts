/**
 * Simulated `bhist -l ID...`: the event history of finished and running jobs, also after
 * they left bjobs. LSF_SIM_BHIST=0 simulates event logs that were rotated away.
 */
import { stateDir } from "../common/sim_state.ts";
import { formatHistory, HISTORY_SEPARATOR } from "./lsf_format.ts";
import { elementViews, loadJob, parseJobRef, selectElements } from "./lsf_model.ts";

const state = stateDir();
const blocks: string[] = [];
const purged = Deno.env.get("LSF_SIM_BHIST") === "0";
for (const text of Deno.args.filter((arg) => !arg.startsWith("-"))) {
  const ref = parseJobRef(text);
  const job = ref && !purged ? loadJob(state, ref.id) : undefined;
  const selected = job && ref
    ? selectElements(job, ref.index, elementViews(state, job))
    : undefined;
  for (const view of selected ?? []) blocks.push(formatHistory(job!, view));
}
if (blocks.length === 0) {
  console.error("No matching job found");
  Deno.exit(255);
}
console.log(blocks.join(HISTORY_SEPARATOR));
