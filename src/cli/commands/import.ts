/** `molq import PATH`: add the jobs of a Python molq store, read strictly read-only. */
import { Command } from "../command_line/mod.ts";
import { resolve } from "../../core/paths.ts";
import { isTerminal, JOB_STATES } from "../../core/job_state.ts";
import type { SchedulerKind } from "../../core/job_record.ts";
import { readPythonStore } from "../../store/python_store.ts";
import { type ImportedJob, mapPythonJob, UnmappableJob } from "../../store/python_record.ts";
import { insertImportedJobs, presentJobIds } from "../../store/import_jobs.ts";
import type { CliContext } from "../context.ts";
import { keyValueOption } from "../option_parsers.ts";
import { renderTable } from "../table.ts";
import { checkClusterMap, checkClusterScheduler, importedClusterName } from "../import_clusters.ts";

interface Group {
  cluster: string;
  from: string;
  state: string;
  jobs: number;
}

export function importCommand(context: () => CliContext): Command {
  return new Command("import")
    .description("Add the jobs of a Python molq store to this one (the file is only read)")
    .argument("<path>", "the Python molq's store, e.g. ~/.molcrafts/molq/config/jobs.db")
    .option("--dry-run", "show what would be imported and change nothing")
    .option(
      "--cluster-map <old=new>",
      "put the Python cluster OLD's jobs in cluster NEW (repeatable)",
      keyValueOption("--cluster-map"),
    )
    .option("--json", "print the summary as JSON")
    .addHelpText(
      "after",
      `
Reads stores of the Python molq 0.3 to 0.8 (schema 7 and 8) without writing them, and
adds every job with its states, history, exit code, reason, retry lineage, dependencies
and log paths. Importing the same file again adds nothing. Clusters: cli_local,
cli_slurm, ... become the cluster \`molq submit KIND\` uses (local, slurm, ... or your
profile for that scheduler); other names stay; --cluster-map OLD=NEW renames one.
Jobs still active there are active here: the next refresh asks their schedulers.

Examples:
  molq import ~/.molcrafts/molq/config/jobs.db --dry-run
  molq import ~/.molcrafts/molq/config/jobs.db
  molq import old-jobs.db --cluster-map cli_slurm=hpc`,
    )
    .action(async (path: string, options: {
      dryRun?: boolean;
      clusterMap?: Record<string, string>;
      json?: boolean;
    }) => {
      const ctx = context();
      const source = resolve(ctx.cwd, path);
      const contents = readPythonStore(source);
      const config = await ctx.config();
      const map = options.clusterMap ?? {};
      const pythonClusters = [...new Set(contents.jobs.map((j) => j.cluster_name))].sort();
      checkClusterMap(map, pythonClusters);
      const targets = new Map(
        pythonClusters.map((name) => [name, importedClusterName(config, name, map)]),
      );
      const byJob = <T extends { job_id: string }>(rows: readonly T[]) => {
        const grouped = new Map<string, T[]>();
        for (const row of rows) grouped.set(row.job_id, [...grouped.get(row.job_id) ?? [], row]);
        return grouped;
      };
      const transitions = byJob(contents.transitions);
      const dependencies = byJob(contents.dependencies);
      const mapped: ImportedJob[] = [];
      const skipped: { job_id: string; reason: string }[] = [];
      for (const row of contents.jobs) {
        try {
          mapped.push(mapPythonJob(row, {
            cluster: targets.get(row.cluster_name)!,
            source,
            transitions: transitions.get(row.job_id) ?? [],
            dependencies: dependencies.get(row.job_id) ?? [],
          }));
        } catch (error) {
          if (!(error instanceof UnmappableJob)) throw error;
          skipped.push({ job_id: error.jobId, reason: error.message });
        }
      }
      checkSchedulers(ctx, mapped, config);
      const ids = mapped.map((j) => j.record.jobId);
      let added: ImportedJob["record"][];
      let present: number;
      if (options.dryRun) {
        const here = storeExists(ctx.dbPath) ? presentJobIds(ctx.store, ids) : new Set<string>();
        added = mapped.map((j) => j.record).filter((r) => !here.has(r.jobId));
        present = mapped.length - added.length;
      } else {
        const outcome = insertImportedJobs(ctx.store, mapped);
        added = outcome.added;
        present = outcome.present.length;
      }
      const groups = summarize(added);
      const active = added.filter((r) => !isTerminal(r.state)).length;
      if (options.json) {
        return ctx.printJson({
          source,
          schema_version: contents.schemaVersion,
          dry_run: !!options.dryRun,
          imported: groups,
          active,
          already_present: present,
          skipped,
        });
      }
      const verb = options.dryRun ? "Would import" : "Imported";
      if (added.length === 0) {
        ctx.print(
          `Nothing to import from ${source}: ${
            present > 0 ? `its ${present} jobs are already here` : "it holds no jobs molq can take"
          }.`,
        );
      } else {
        ctx.print(
          `${verb} ${added.length} jobs from ${source} (Python molq, schema ${contents.schemaVersion}):`,
        );
        ctx.print(
          renderTable(
            ["CLUSTER", "FROM", "STATE", "JOBS"],
            groups.map((g) => [g.cluster, g.from, g.state, String(g.jobs)]),
            { right: [3] },
          ).replace(/^/gm, "  "),
        );
        if (present > 0) ctx.print(`${present} jobs were already here and are left as they are.`);
        if (active > 0) {
          ctx.print(
            `${active} of them are still active: the next \`molq refresh\` asks their schedulers about them.`,
          );
        }
      }
      for (const s of skipped) {
        console.error(`molq: skipped job ${s.job_id}: ${s.reason}.`);
      }
    });
}

/** A cluster holds one scheduler's jobs, here and in the profile of that name. */
function checkSchedulers(
  ctx: CliContext,
  jobs: readonly ImportedJob[],
  config: Parameters<typeof checkClusterScheduler>[0],
): void {
  const seen = new Map<string, { kind: SchedulerKind; from: string }>();
  for (const { record } of jobs) {
    const from = record.metadata["molq.import.cluster"]!;
    const earlier = seen.get(record.cluster);
    if (earlier === undefined) {
      const existing = storeExists(ctx.dbPath)
        ? ctx.store.clusterScheduler(record.cluster)
        : undefined;
      checkClusterScheduler(config, record.cluster, from, record.scheduler, existing);
      seen.set(record.cluster, { kind: record.scheduler, from });
    } else if (earlier.kind !== record.scheduler) {
      checkClusterScheduler(config, record.cluster, from, record.scheduler, earlier.kind);
    }
  }
}

function summarize(records: readonly ImportedJob["record"][]): Group[] {
  const groups = new Map<string, Group>();
  for (const r of records) {
    const from = r.metadata["molq.import.cluster"] ?? r.cluster;
    const key = `${r.cluster}\0${from}\0${r.state}`;
    const group = groups.get(key) ?? { cluster: r.cluster, from, state: r.state, jobs: 0 };
    group.jobs++;
    groups.set(key, group);
  }
  const rank = (state: string) => (JOB_STATES as readonly string[]).indexOf(state);
  return [...groups.values()].sort((a, b) =>
    a.cluster.localeCompare(b.cluster) || a.from.localeCompare(b.from) ||
    rank(a.state) - rank(b.state)
  );
}

function storeExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
