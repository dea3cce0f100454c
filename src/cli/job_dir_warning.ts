/**
 * A batch job runs on a compute node, which sees only shared file systems: a job directory
 * on this host's own disk or tmpfs is worth one line of warning at submission.
 */
import type { Scheduler } from "../schedulers/scheduler.ts";
import type { JobStore } from "../store/job_store.ts";
import { detectFileSystem, type FileSystemInfo } from "../store/file_system.ts";

/** The warning for `fileSystem`, or null when compute nodes are likely to see the directory. */
export function nodeLocalWarning(
  jobsDir: string,
  fileSystem: FileSystemInfo | string,
): string | null {
  if (typeof fileSystem === "string" || fileSystem.network) return null;
  return `note: the job directory ${jobsDir} is on ${fileSystem.fsType} at ${fileSystem.mountPoint}, local to this host; compute nodes may not see it (set jobs_dir to a shared file system).`;
}

/**
 * Checks a batch scheduler's job directory on this host (remote clusters check nothing
 * here), once per directory and store: the first submission there says it, later ones not.
 */
export function jobDirWarning(
  store: JobStore,
  scheduler: Scheduler,
  jobsDir: string,
): string | null {
  if (scheduler.kind === "local" || scheduler.runner.remote) return null;
  const key = `node_local_jobs_dir_warned:${jobsDir}`;
  if (store.prepare("SELECT 1 FROM store_meta WHERE key = ?").get(key)) return null;
  const warning = nodeLocalWarning(jobsDir, detectFileSystem(jobsDir));
  if (warning) {
    store.write(() =>
      store.prepare("INSERT OR IGNORE INTO store_meta (key, value) VALUES (?, ?)").run(
        key,
        String(Date.now()),
      )
    );
  }
  return warning;
}
