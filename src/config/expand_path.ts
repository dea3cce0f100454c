/**
 * Path expansion for config values: `$VAR`, `${VAR}`, `$$` (a literal `$`) and a leading
 * `~` or `~/`. No command substitution, globbing or `~user`: the value is data, not shell.
 */
import { UsageError } from "../core/errors.ts";
import type { EnvGetter } from "./config_path.ts";

const VARIABLE = /\$(?:\$|\{([^}]*)\}?|([A-Za-z_][A-Za-z0-9_]*))/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws a UsageError naming the value and the unset variable or bad form. */
export function expandPath(text: string, env: EnvGetter): string {
  const withHome = expandTilde(text, env);
  return withHome.replace(
    VARIABLE,
    (match, braced: string | undefined, bare: string | undefined) => {
      if (match === "$$") return "$";
      if (braced !== undefined && !match.endsWith("}")) {
        throw new UsageError(`Cannot expand "${text}": "\${" has no closing "}".`);
      }
      const name = braced ?? bare ?? "";
      if (!NAME.test(name)) {
        throw new UsageError(`Cannot expand "${text}": "${match}" is not a variable name.`);
      }
      const value = env(name);
      if (value === undefined || value === "") {
        throw new UsageError(`Cannot expand "${text}": environment variable ${name} is not set.`);
      }
      return value;
    },
  );
}

function expandTilde(text: string, env: EnvGetter): string {
  if (!text.startsWith("~")) return text;
  if (text !== "~" && !text.startsWith("~/")) {
    throw new UsageError(`Cannot expand "${text}": only "~" and "~/" are supported, not ~user.`);
  }
  const home = env("HOME");
  if (!home) throw new UsageError(`Cannot expand "${text}": environment variable HOME is not set.`);
  return home + text.slice(1);
}
