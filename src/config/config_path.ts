/** Which config file to read: `--config`, else MOLQ_CONFIG, else `<molq home>/config.toml`. */
import { join } from "../core/paths.ts";
import { runCommandSync } from "../process/run_command.ts";
import { molqHome } from "../store/store_paths.ts";

export type EnvGetter = (name: string) => string | undefined;

/**
 * The process environment; USER falls back to LOGNAME and then the account name, since
 * cron often runs without USER and `jobs_dir = "/scratch/$USER/..."` must still expand.
 */
export const denoEnv: EnvGetter = (name) => {
  const value = Deno.env.get(name);
  if (value || name !== "USER") return value;
  try {
    return Deno.env.get("LOGNAME") || accountName();
  } catch {
    return undefined;
  }
};

/** The account's name from `id -un` (without USER and LOGNAME, e.g. under some crons). */
function accountName(): string | undefined {
  const result = runCommandSync(["id", "-un"]);
  return result.code === 0 ? result.stdout.trim() || undefined : undefined;
}

export interface ConfigLocation {
  path: string;
  /** Where the path came from; a missing explicit file is an error, a missing default is not. */
  source: "--config" | "MOLQ_CONFIG" | "default";
}

export function configLocation(configFlag?: string, env: EnvGetter = denoEnv): ConfigLocation {
  if (configFlag) return { path: configFlag, source: "--config" };
  const fromEnv = env("MOLQ_CONFIG");
  if (fromEnv) return { path: fromEnv, source: "MOLQ_CONFIG" };
  return { path: join(molqHome(env), "config.toml"), source: "default" };
}
