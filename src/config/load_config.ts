/**
 * Finds, reads, parses and validates the config file. A missing default file means the
 * built-in defaults; a missing file named by `--config` or MOLQ_CONFIG is a usage error.
 */
import { resolve } from "../core/paths.ts";
import { parse, TomlError } from "smol-toml";
import { MolqError, UsageError } from "../core/errors.ts";
import { builtinConfig, type MolqConfig } from "./config.ts";
import { configLocation, denoEnv, type EnvGetter } from "./config_path.ts";
import { type ConfigCheck, ConfigError, validateConfig } from "./validate_config.ts";

export interface LoadConfigOptions {
  /** `--config PATH` from the command line. */
  configFlag?: string;
  /** Environment lookups (MOLQ_CONFIG, MOLQ_HOME, HOME, and `$VAR` in paths). */
  env?: EnvGetter;
}

/** The validated config; throws a ConfigError (exit 2) naming the file, key and problem. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<MolqConfig> {
  const check = await checkConfig(options);
  if (check.config === null) throw new ConfigError(check.path, check.problems);
  return check.config;
}

/**
 * Every problem in the config file, for `molq config check`. Throws only when the file
 * cannot be read at all (missing explicit file: UsageError; unreadable: MolqError).
 */
export async function checkConfig(
  options: LoadConfigOptions = {},
): Promise<ConfigCheck & { path: string | null }> {
  const env = options.env ?? denoEnv;
  const location = configLocation(options.configFlag, env);
  const path = resolve(location.path);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new MolqError(`Cannot read config ${path}: ${readFailure(error)}.`);
    }
    if (location.source !== "default") {
      throw new UsageError(
        `Cannot read config ${path} (named by ${location.source}): no such file.`,
      );
    }
    return { path: null, config: builtinConfig(), problems: [] };
  }
  return { path, ...parseConfigText(text, { path, env }) };
}

/** Parses and validates config text; a TOML syntax error is a problem at its line. */
export function parseConfigText(
  text: string,
  options: { path: string | null; env?: EnvGetter },
): ConfigCheck {
  let document: unknown;
  try {
    document = parse(text.replace(/^\uFEFF/, ""), { unsafeKeyBehaviour: "throw" });
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const firstLine = error.message.replace(/^Invalid TOML document: /, "").split("\n")[0] ?? "";
    const message = firstLine.replace(/\.$/, "");
    return {
      config: null,
      problems: [{
        at: `line ${error.line}, column ${error.column}`,
        message: `invalid TOML (${message.charAt(0).toLowerCase() + message.slice(1)})`,
      }],
    };
  }
  return validateConfig(document, options);
}

/** `Is a directory (os error 21): readfile '/x'` → `is a directory`. */
function readFailure(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error))
    .replace(/ \(os error \d+\)/, "").replace(/: \w+ '.*'$/, "");
  return text.charAt(0).toLowerCase() + text.slice(1);
}
