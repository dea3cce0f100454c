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

/** Whether these records hold local jobs of more than one host. */
export function holdsSeveralHosts(
  records: Iterable<Pick<JobRecord, "scheduler" | "host">>,
): boolean {
  const hosts = new Set<string>();
  for (const record of records) {
    if (record.scheduler === "local" && record.host !== null) hosts.add(record.host);
    if (hosts.size > 1) return true;
  }
  return false;
}
