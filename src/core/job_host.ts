/** How the host of a local job is shown beside its cluster, when hosts need telling apart. */
import type { JobRecord } from "./job_record.ts";

/** `local@login1` for a local job with a known host when `withHost`; the cluster otherwise. */
export function clusterLabel(
  record: Pick<JobRecord, "cluster" | "scheduler" | "host">,
  withHost: boolean,
): string {
  return withHost && record.scheduler === "local" && record.host !== null
    ? `${record.cluster}@${record.host}`
    : record.cluster;
}

/**
 * Whether a table names local jobs' hosts: when they ran on more than one host, or on one
 * that is not this one (a bare "local" would read as this host's).
 */
export function hostsWorthNaming(hosts: Iterable<string>, here: string): boolean {
  const seen = new Set<string>();
  for (const host of hosts) {
    seen.add(host);
    if (seen.size > 1) return true;
  }
  return seen.size === 1 && !seen.has(here);
}

/** The hosts of these records' local jobs (repeats included). */
export function* localHostsOf(
  records: Iterable<Pick<JobRecord, "scheduler" | "host">>,
): Iterable<string> {
  for (const record of records) {
    if (record.scheduler === "local" && record.host !== null) yield record.host;
  }
}
