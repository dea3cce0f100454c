/**
 * `molq connect NAME` / `molq disconnect NAME`: the one master connection of a remote
 * cluster, opened in the user's terminal so passwords, one-time codes and key passphrases
 * work; every other molq call only attaches to it.
 */
import { Command } from "../command_line/mod.ts";
import { UsageError } from "../../core/errors.ts";
import { findProfile } from "../../config/config.ts";
import type { CliContext } from "../context.ts";

async function remoteCluster(ctx: CliContext, name: string) {
  const config = await ctx.config();
  const profile = findProfile(config, name);
  if (!profile?.remote) {
    const remote = Object.values(config.clusters).filter((p) => p.remote).map((p) => p.name);
    throw new UsageError(
      `Cluster "${name}" is not a remote cluster (remote clusters: ${
        remote.join(", ") || "none"
      }).`,
      'give a profile a host: [clusters.NAME] host = "login.hpc.example.org"',
    );
  }
  return { profile, cluster: await ctx.cluster(name, profile.scheduler) };
}

export function connectCommand(context: () => CliContext): Command {
  return new Command("connect")
    .description("Open the master SSH connection of a remote cluster (prompts in this terminal)")
    .argument("<name>", "remote cluster (a profile with a host)")
    .addHelpText(
      "after",
      `
It returns once the master is up; it stays up (ControlPersist) for later molq calls, from
any process, until \`molq disconnect NAME\`. For a cluster with auth = "interactive", molq
never opens a connection by itself: run this first.

Examples:
  molq connect hpc
  molq disconnect hpc`,
    )
    .action(async (name: string) => {
      const ctx = context();
      const { profile, cluster } = await remoteCluster(ctx, name);
      const outcome = await cluster.remote!.connect();
      ctx.print(
        outcome === "already"
          ? `${name}: already connected to ${profile.remote!.host}.`
          : `${name}: connected to ${profile.remote!.host}.`,
      );
    });
}

export function disconnectCommand(context: () => CliContext): Command {
  return new Command("disconnect")
    .description("Close the master SSH connection of a remote cluster")
    .argument("<name>", "remote cluster")
    .addHelpText(
      "after",
      `
Example:
  molq disconnect hpc`,
    )
    .action(async (name: string) => {
      const ctx = context();
      const { profile, cluster } = await remoteCluster(ctx, name);
      const closed = await cluster.remote!.disconnect();
      ctx.print(
        closed ? `${name}: disconnected from ${profile.remote!.host}.` : `${name}: not connected.`,
      );
    });
}
