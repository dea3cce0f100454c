/**
 * What every command needs, built from the global options: the store (opened on first
 * use), clusters by name, the caller's directory and output helpers.
 */
import type { SchedulerKind } from "../core/job_record.ts";
import { JobStore } from "../store/job_store.ts";
import { defaultDbPath } from "../store/store_paths.ts";
import { Cluster, type ClusterSettings } from "../api/cluster.ts";
import { colorEnabled } from "./style.ts";

export interface GlobalOptions {
  db?: string;
  config?: string;
}

export class CliContext {
  #store: JobStore | undefined;
  readonly #clusters = new Map<string, Cluster>();
  readonly color = colorEnabled();

  constructor(
    readonly globals: GlobalOptions,
    /** The caller's directory (INIT_CWD under `deno task`). */
    readonly cwd: string,
    /** Arguments after `--`: the job's command for `submit`. */
    readonly tail: string[] | null,
  ) {}

  get store(): JobStore {
    this.#store ??= JobStore.open(this.globals.db ?? defaultDbPath());
    return this.#store;
  }

  /** The runtime for a cluster; settings come from the cluster's profile when there is one. */
  cluster(
    name: string,
    scheduler: SchedulerKind,
    settings: Partial<ClusterSettings> = {},
  ): Cluster {
    let cluster = this.#clusters.get(name);
    if (!cluster) {
      cluster = new Cluster(this.store, { ...settings, name, scheduler });
      this.#clusters.set(name, cluster);
    }
    return cluster;
  }

  print(text: string): void {
    console.log(text);
  }

  printJson(value: unknown): void {
    console.log(JSON.stringify(value, null, 2));
  }

  close(): void {
    this.#store?.close();
  }
}
