/** `molq clusters [show NAME]`: configured and used clusters, with jobs and their last poll. */
import { Command } from "../command_line/mod.ts";
import { UsageError } from "../../core/errors.ts";
import { type ClusterProfile, findProfile, isSchedulerKind } from "../../config/config.ts";
import { renderClusterProfile } from "../../config/render_config.ts";
import { clusterPollInfo } from "../../store/cluster_polls.ts";
import type { CliContext } from "../context.ts";
import { renderTable } from "../table.ts";
import { StoreConnectionLedger } from "../../store/ssh_links.ts";

interface ClusterRow {
  name: string;
  scheduler: string;
  configured: boolean;
  active: number;
  total: number;
  last_poll: string | null;
  last_error: string | null;
  scheduler_calls_last_hour: number;
  /** Remote clusters: the ssh destination, the link, connections opened in the last hour. */
  host?: string;
  link?: string;
  connections_last_hour?: number;
}

export function clustersCommand(context: () => CliContext): Command {
  const clusters = new Command("clusters")
    .description("List configured and used clusters: jobs, last poll, scheduler calls, last error")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  molq clusters
  molq clusters show hpc`,
    )
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const rows = await clusterRows(ctx);
      if (options.json) return ctx.printJson(rows);
      if (rows.length === 0) return ctx.print("No clusters configured or used yet.");
      const remote = rows.some((r) => r.host !== undefined);
      const link = (r: ClusterRow) =>
        remote ? [r.link ?? "local", r.host ? String(r.connections_last_hour) : "-"] : [];
      ctx.print(renderTable(
        [
          "CLUSTER",
          "SCHEDULER",
          "ACTIVE",
          "TOTAL",
          "LAST POLL",
          "CALLS/H",
          ...(remote ? ["LINK", "CONN/H"] : []),
          "LAST ERROR",
        ],
        rows.map((r) => [
          r.name + (r.configured ? "" : "*"),
          r.scheduler,
          String(r.active),
          String(r.total),
          r.last_poll ?? "-",
          String(r.scheduler_calls_last_hour),
          ...link(r),
          r.last_error ?? "",
        ]),
        { right: remote ? [2, 3, 5, 7] : [2, 3, 5], maxWidth: { [remote ? 8 : 6]: 60 } },
      ));
      if (rows.some((r) => !r.configured)) ctx.print("* used without a profile");
    });
  clusters.command("show")
    .description("Print a cluster's resolved profile")
    .argument("<name>", "cluster name")
    .option("--json", "print JSON")
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const ctx = context();
      const config = await ctx.config();
      // `molq clusters show NAME --json`: the flag after the name is taken by `clusters`.
      const json = options.json || command.parent?.opts().json === true;
      const configured = findProfile(config, name);
      // A scheduler's own name, or a cluster only the store knows, runs with molq's defaults.
      const scheduler = configured
        ? undefined
        : isSchedulerKind(name)
        ? name
        : ctx.store.clusterScheduler(name);
      if (!configured && !scheduler) {
        const known = Object.keys(config.clusters).join(", ") || "none";
        throw new UsageError(`Unknown cluster profile "${name}" (configured: ${known}).`);
      }
      const profile: ClusterProfile = configured ??
        {
          name,
          scheduler: scheduler!,
          defaults: { resources: {}, scheduling: {} },
          commands: {},
          refresh: {},
        };
      if (!configured && config.jobsDir !== undefined) profile.jobsDir = config.jobsDir;
      if (json) return ctx.printJson({ ...profile, configured: !!configured });
      const note = configured ? "" : "# Used without a profile: molq's defaults apply.\n";
      Deno.stdout.writeSync(new TextEncoder().encode(note + renderClusterProfile(profile)));
    });
  return clusters;
}

async function clusterRows(ctx: CliContext): Promise<ClusterRow[]> {
  const config = await ctx.config();
  const counts = ctx.store.prepare(
    `SELECT cluster, scheduler, count(*) AS total,
       sum(state IN ('created','submitted','queued','running')) AS active
     FROM jobs GROUP BY cluster, scheduler`,
  ).all() as { cluster: string; scheduler: string; total: number; active: number }[];
  // A local cluster polls per host: show this host's passes.
  const polls = new Map<string, ReturnType<typeof clusterPollInfo>[number]>();
  for (const poll of clusterPollInfo(ctx.store)) {
    if (!polls.has(poll.name) || poll.host === Deno.hostname()) polls.set(poll.name, poll);
  }
  const rows = new Map<string, ClusterRow>();
  for (const profile of Object.values(config.clusters)) {
    rows.set(profile.name, row(profile.name, profile.scheduler, true));
  }
  for (const c of counts) {
    const r = rows.get(c.cluster) ?? row(c.cluster, c.scheduler, false);
    r.active += Number(c.active);
    r.total += Number(c.total);
    rows.set(c.cluster, r);
  }
  // A cluster polled in the past keeps its row after cleanup removed its records.
  for (const poll of polls.values()) {
    if (!rows.has(poll.name)) rows.set(poll.name, row(poll.name, poll.scheduler, false));
  }
  const ledger = new StoreConnectionLedger(ctx.store);
  for (const profile of Object.values(config.clusters)) {
    const r = rows.get(profile.name);
    if (!r || !profile.remote) continue;
    const cluster = await ctx.cluster(profile.name, profile.scheduler);
    r.host = profile.remote.host;
    r.link = await cluster.remote!.linkState();
    r.connections_last_hour = ledger.connectsSince(profile.name, Date.now() - 3_600_000);
  }
  for (const r of rows.values()) {
    const poll = polls.get(r.name);
    r.last_poll = poll?.lastPollAt ? new Date(poll.lastPollAt).toISOString() : null;
    r.last_error = poll?.lastPollError ?? null;
    r.scheduler_calls_last_hour = poll?.callsLastHour ?? 0;
  }
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function row(name: string, scheduler: string, configured: boolean): ClusterRow {
  return {
    name,
    scheduler,
    configured,
    active: 0,
    total: 0,
    last_poll: null,
    last_error: null,
    scheduler_calls_last_hour: 0,
  };
}
