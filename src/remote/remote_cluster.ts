/**
 * A cluster reached over SSH as molq runs it: a Runner that finds its control socket on
 * first use (`ssh -G`, no network) and then talks through one SshRunner, and the
 * `connect` / `disconnect` / link-state operations of `molq connect`, `disconnect`,
 * `clusters`.
 */
import type { RunOptions, RunResult } from "../process/run_command.ts";
import type { DetachedStart, Runner } from "../process/runner.ts";
import type { ConnectionLedger } from "./connection_ledger.ts";
import { resolveControlPath } from "./control_path.ts";
import { checkMaster, closeMaster, connectMaster, type SshTarget } from "./ssh_master.ts";
import { SshRunner } from "./ssh_runner.ts";
import { deriveLinkDisplay, describeLinkDisplay } from "./connection_budget.ts";

export interface RemoteClusterSettings {
  host: string;
  sshOptions: string[];
  auth: "batch" | "interactive";
}

export class RemoteRunner implements Runner {
  readonly where: string;
  readonly remote = true;
  #runner: Promise<SshRunner> | undefined;

  constructor(
    readonly cluster: string,
    readonly settings: RemoteClusterSettings,
    readonly ledger: ConnectionLedger,
  ) {
    this.where = `cluster "${cluster}" (ssh ${settings.host})`;
  }

  /** The ssh target (destination, options, control socket) of this cluster. */
  async target(): Promise<SshTarget> {
    const { path } = await resolveControlPath(
      this.cluster,
      this.settings.host,
      this.settings.sshOptions,
    );
    return {
      cluster: this.cluster,
      destination: this.settings.host,
      sshOptions: this.settings.sshOptions,
      controlPath: path,
    };
  }

  #ssh(): Promise<SshRunner> {
    this.#runner ??= this.target().then((target) =>
      new SshRunner({ ...target, auth: this.settings.auth, ledger: this.ledger })
    );
    // A failed resolution is tried again by the next call.
    this.#runner.catch(() => (this.#runner = undefined));
    return this.#runner;
  }

  async run(argv: readonly string[], options?: RunOptions): Promise<RunResult> {
    return (await this.#ssh()).run(argv, options);
  }
  async writeFile(path: string, text: string, mode: number): Promise<void> {
    return (await this.#ssh()).writeFile(path, text, mode);
  }
  async makePrivateDir(path: string): Promise<void> {
    return (await this.#ssh()).makePrivateDir(path);
  }
  async removeFile(path: string): Promise<void> {
    return (await this.#ssh()).removeFile(path);
  }
  async startDetached(scriptPath: string, cwd: string): Promise<DetachedStart> {
    return (await this.#ssh()).startDetached(scriptPath, cwd);
  }
  async homeDirectory(): Promise<string> {
    return (await this.#ssh()).homeDirectory();
  }
  async close(): Promise<void> {
    const runner = this.#runner;
    if (runner) await (await runner.catch(() => null))?.close();
  }

  /** Opens the master in the user's terminal (prompts work); "already" when one is up. */
  async connect(): Promise<"already" | "opened"> {
    const target = await this.target();
    const outcome = await connectMaster(target, { auth: this.settings.auth }).catch((error) => {
      this.ledger.recordLinkState(this.cluster, "unreachable", String(error.message), Date.now());
      throw error;
    });
    if (outcome === "opened") this.ledger.recordConnect(this.cluster, Date.now());
    this.ledger.recordLinkState(this.cluster, "ok", null, Date.now());
    return outcome;
  }

  /** Ends the master; false when none was up. */
  async disconnect(): Promise<boolean> {
    await this.close();
    return closeMaster(await this.target());
  }

  /** How the link looks now: connected / needs login / unreachable since T / ok. */
  async linkState(): Promise<string> {
    const up = await this.target().then(checkMaster).catch(() => false);
    return describeLinkDisplay(
      deriveLinkDisplay(up, this.settings.auth, this.ledger.readLink(this.cluster)),
    );
  }
}
