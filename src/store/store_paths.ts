/** Where molq keeps its files: `~/.molq` (moved by MOLQ_HOME) and the store inside it. */
import { join } from "../core/paths.ts";
import { MolqError } from "../core/errors.ts";

export function molqHome(env: (name: string) => string | undefined = Deno.env.get): string {
  const explicit = env("MOLQ_HOME");
  if (explicit) return explicit;
  const home = env("HOME");
  if (!home) throw new MolqError("Cannot find the molq directory: set HOME or MOLQ_HOME.");
  return join(home, ".molq");
}

/** The store file: `--db`, else MOLQ_DB, else `<molq home>/jobs.db`. */
export function defaultDbPath(env: (name: string) => string | undefined = Deno.env.get): string {
  return env("MOLQ_DB") || join(molqHome(env), "jobs.db");
}
