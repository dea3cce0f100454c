/**
 * The store most figures run on, as the issue describes it: 10,000 records of which the
 * newest 3,000 are local jobs really running on this host (job directories with what a
 * started job writes, live wrappers), the rest finished on several clusters.
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type RunningLocalJobs, startLocalJobs } from "./local_jobs.ts";
import { seedStore } from "./seed_store.ts";
import { tempDir } from "./measure.ts";

export const ACTIVE_STORE_RECORDS = 10_000;
export const ACTIVE_LOCAL_JOBS = 3_000;

export interface ActiveStore {
  home: string;
  db: string;
  /** Where molq runs (the jobs' directories are under it, as after `molq submit` there). */
  cwd: string;
  env: Record<string, string>;
  running: RunningLocalJobs;
  /** Forgets every cluster's last poll, so the next command makes a real reconcile pass. */
  resetPolls(): void;
  /** Kills the running jobs and removes the store. */
  remove(): Promise<void>;
}

export async function createActiveStore(
  records = ACTIVE_STORE_RECORDS,
  active = ACTIVE_LOCAL_JOBS,
): Promise<ActiveStore> {
  const home = tempDir("active");
  const cwd = join(home, "work");
  const db = join(home, "jobs.db");
  const running = await startLocalJobs(join(cwd, ".molq", "jobs"), active);
  try {
    seedStore(db, { count: records, runningLocal: running });
  } catch (error) {
    await running.stop();
    throw error;
  }
  return {
    home,
    db,
    cwd,
    env: { MOLQ_HOME: home },
    running,
    resetPolls() {
      const connection = new DatabaseSync(db);
      try {
        connection.exec("PRAGMA busy_timeout = 30000");
        connection.exec("UPDATE clusters SET last_poll_at = NULL");
      } finally {
        connection.close();
      }
    },
    async remove() {
      await running.stop();
      Deno.removeSync(home, { recursive: true });
    },
  };
}
