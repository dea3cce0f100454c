/**
 * Fills a request from the configuration: flag > cluster profile > top-level default >
 * built-in, field by field, and picks the jobs directory.
 */
import { findProfile } from "../config/config.ts";
import { resolve } from "../core/paths.ts";
import type { JobRequest, RetryPolicy } from "../core/job_request.ts";
import type { MolqConfig } from "../config/config.ts";
import { resolveSubmitDefaults } from "../config/resolve.ts";
import { type NotifyFlags, resolveNotifyPolicy } from "../config/resolve_notify.ts";

export interface RetryFlags {
  attempts?: number;
  onExitCodes?: number[];
  backoffSeconds?: number;
}

/** The request with configured defaults under the given flags, and its jobs directory. */
export function applyDefaults(
  request: JobRequest,
  config: MolqConfig,
  clusterName: string,
  options: {
    cwd: string;
    jobsDirFlag?: string;
    retry?: RetryFlags;
    remoteHome?: string;
    notify?: NotifyFlags;
  },
): { request: JobRequest; jobsDir: string } {
  const defaults = resolveSubmitDefaults(config, clusterName, {
    resources: request.resources,
    scheduling: request.scheduling,
    env: request.env,
    retry: definedOnly(options.retry ?? {}),
    jobsDir: options.jobsDirFlag,
  });
  const retry: RetryPolicy | undefined = defaults.retry.attempts > 1 ? defaults.retry : undefined;
  const merged: JobRequest = {
    ...request,
    resources: defaults.resources,
    scheduling: defaults.scheduling,
    env: defaults.env,
  };
  if (retry) merged.retry = retry;
  else delete merged.retry;
  const notify = resolveNotifyPolicy(config, clusterName, options.notify);
  if (notify) merged.notify = notify;
  else delete merged.notify;
  return { request: merged, jobsDir: jobsDirOf(config, clusterName, defaults.jobsDir, options) };
}

/**
 * Where the job directories go: relative to the caller's directory here; on a remote
 * cluster, the profile's jobs_dir (or `~/.molq/jobs`) in the home directory there.
 */
function jobsDirOf(
  config: MolqConfig,
  clusterName: string,
  configured: string | undefined,
  options: { cwd: string; jobsDirFlag?: string; remoteHome?: string },
): string {
  if (options.remoteHome === undefined) return resolve(options.cwd, configured ?? ".molq/jobs");
  const dir = options.jobsDirFlag ?? findProfile(config, clusterName)?.jobsDir ?? "~/.molq/jobs";
  const home = options.remoteHome;
  return dir === "~" ? home : resolve(home, dir.startsWith("~/") ? dir.slice(2) : dir);
}

function definedOnly(flags: RetryFlags): Partial<RetryPolicy> {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
}
