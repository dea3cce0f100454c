/**
 * MolqMonitor: the full-screen view across every persisted job, as `molq monitor --all
 * --limit 500 --refresh 1.5`. `q` quits; closing it never cancels a job.
 * Twin of "Full-Screen Dashboard" (MolqMonitor).
 *
 *     deno run -A examples/molq_monitor.ts
 */
import { MolqMonitor } from "../mod.ts";

// The default store (MOLQ_DB, or jobs.db in MOLQ_HOME / ~/.molq), every cluster in it.
const exit = await new MolqMonitor({ all: true, limit: 500, refreshSeconds: 1.5 }).run();
console.log(`monitor closed (${exit.reason})`);
