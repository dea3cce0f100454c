/**
 * What every command needs, built from the global options: the store and the config
 * (each loaded on first use), clusters by name with their profile's settings, the
 * caller's directory and output helpers. The config's parser and the clusters' backends
 * are imported on first use, so a command pays only for what it uses.
 */
import type { SchedulerKind } from "../core/job_record.ts";
import { JobStore } from "../store/job_store.ts";
import { defaultDbPath } from "../store/store_paths.ts";
import type { Cluster } from "../api/cluster.ts";
import type { MolqConfig } from "../config/config.ts";
import { clusterRuntimeSettings, type ResolvedCluster } from "../config/resolve.ts";
import { builtinConfig, findProfile } from "../config/config.ts";
import { configLocation } from "../config/config_path.ts";
import { colorEnabled } from "./style.ts";
import { refusePythonStoreAt } from "./python_store_hint.ts";

export interface GlobalOptions {
  db?: string;
  config?: string;
}

export class CliContext {
  #store: JobStore | undefined;
  #config: MolqConfig | undefined;
  readonly #clusters = new Map<string, Cluster>();
  color = colorEnabled();
  /** Set by a command that ends with a specific exit code without an error (e.g. a signal). */
  exitCode = 0;

  constructor(
    readonly globals: GlobalOptions,
    /** The caller's directory (INIT_CWD under `deno task`). */
    readonly cwd: string,
    /** Arguments after `--`: the job's command for `submit`. */
    readonly tail: string[] | null,
  ) {}

  /** The store file: `--db`, else MOLQ_DB, else `<molq home>/jobs.db`. */
  get dbPath(): string {
    return this.globals.db ?? defaultDbPath();
  }

  get store(): JobStore {
    if (!this.#store) {
      refusePythonStoreAt(this.dbPath);
      this.#store = JobStore.open(this.dbPath);
      // How the store is kept where it lives (a WAL store on NFS, host-local locks, ...).
      for (const warning of this.#store.journal.warnings) console.error(`molq: ${warning}`);
    }
    return this.#store;
  }

  /** Whether a command made a cluster's reconciler (so a pass may have started deliveries). */
  get ranPasses(): boolean {
    return [...this.#clusters.values()].some((cluster) => cluster.reconciling);
  }

  /** The store if a command opened it, without opening it. */
  get openedStore(): JobStore | undefined {
    return this.#store;
  }

  /** The validated config (built-in defaults when there is no file). */
  async config(): Promise<MolqConfig> {
    if (!this.#config) {
      const location = configLocation(this.globals.config);
      if (location.source === "default" && !fileExists(location.path)) {
        this.#config = builtinConfig();
      } else {
        // Imported here: without a config file, the TOML parser is never loaded.
        const { loadConfig } = await import("../config/load_config.ts");
        this.#config = await loadConfig({ configFlag: this.globals.config });
      }
      this.color = colorEnabled(Deno.stdout, this.#config.color);
    }
    return this.#config;
  }

  /** The runtime for a cluster, with its profile's commands, timeouts and poll interval. */
  async cluster(name: string, scheduler: SchedulerKind): Promise<Cluster> {
    const known = this.#clusters.get(name);
    if (known) return known;
    const config = await this.config();
    const resolved: ResolvedCluster = { name, scheduler, profile: findProfile(config, name) };
    // Imported here: the reconciler and the one backend load only for commands that use them.
    const { openCluster } = await import("../api/cluster.ts");
    const cluster = await openCluster(this.store, clusterRuntimeSettings(config, resolved));
    // Another call may have made it while this one waited.
    const first = this.#clusters.get(name) ?? cluster;
    this.#clusters.set(name, first);
    return first;
  }

  print(text: string): void {
    console.log(text);
  }

  printJson(value: unknown): void {
    console.log(JSON.stringify(value, null, 2));
  }

  /**
   * Prints lines as they come, encoded one by one into a reused 64 KiB buffer that goes to
   * stdout whenever it fills: a long listing is never held, as strings or as bytes.
   */
  printLines(lines: Iterable<string>): void {
    const encoder = new TextEncoder();
    const buffer = new Uint8Array(64 * 1024);
    let used = 0;
    const send = (bytes: Uint8Array) => {
      for (let sent = 0; sent < bytes.length;) sent += Deno.stdout.writeSync(bytes.subarray(sent));
    };
    for (const line of lines) {
      // A UTF-16 unit takes at most 3 bytes in UTF-8, plus the newline.
      if (used + line.length * 3 + 1 > buffer.length) {
        send(buffer.subarray(0, used));
        used = 0;
      }
      if (line.length * 3 + 1 > buffer.length) {
        send(encoder.encode(line + "\n"));
        continue;
      }
      used += encoder.encodeInto(line, buffer.subarray(used)).written;
      buffer[used++] = 0x0a;
    }
    send(buffer.subarray(0, used));
  }

  /** Ends the clusters' remote sessions (masters stay up), then closes the store. */
  async close(): Promise<void> {
    await Promise.all([...this.#clusters.values()].map((cluster) => cluster.close()));
    this.#store?.close();
  }
}

/** Whether something is at `path`; only "not found" counts as absent. */
function fileExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound);
  }
}
