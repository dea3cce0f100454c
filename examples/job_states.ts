/**
 * Job lifecycle: the state constants and which of them are final.
 * Twin of "Job Lifecycle" on the product page (`from molq import JobState`).
 *
 *     deno run examples/job_states.ts
 */
import { isTerminal, JobState } from "../mod.ts";

const states = [
  JobState.CREATED,
  JobState.SUBMITTED,
  JobState.QUEUED,
  JobState.RUNNING,
  JobState.SUCCEEDED,
  JobState.FAILED,
  JobState.CANCELLED,
  JobState.TIMED_OUT,
  JobState.LOST,
];

// All terminal states report true from isTerminal (also as JobState.isTerminal).
for (const state of states) {
  console.log(`${state.padEnd(10)} terminal=${JobState.isTerminal(state)}`);
}
console.log(`final states: ${states.filter(isTerminal).join(", ")}`);
