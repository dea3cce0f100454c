/**
 * Where a cluster's SSH master listens: the user's own ControlPath when their ssh config has
 * one (so molq shares their master), otherwise a short hashed name in a private directory.
 * Unix socket paths are short (sun_path: 104 bytes on macOS, 108 on Linux), and ssh binds a
 * temporary name 17 bytes longer before renaming it into place.
 */
import { MolqError } from "../core/errors.ts";
import { sha256Hex } from "../core/sha256.ts";
import { runCommand } from "../process/run_command.ts";

/** The parts of `ssh -G DEST` a master depends on. */
export interface ResolvedDestination {
  hostname: string;
  port: string;
  user: string;
  proxyJump: string | null;
  /** The user's ControlPath (expanded by ssh), or null when it is unset or `none`. */
  controlPath: string | null;
}

export interface ControlPathChoice {
  path: string;
  /** "user": their ssh config's ControlPath; "molq": ours. */
  owner: "user" | "molq";
}

/** ssh's temporary socket name is the path plus "." and 16 random characters. */
const SSH_TEMP_SUFFIX_BYTES = 17;

/** Parses `ssh -G DEST` (one lowercase `key value` per line; the first one counts). */
export function parseSshConfigDump(text: string): ResolvedDestination {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^(\S+) (.*)$/.exec(line.trimEnd());
    if (match && !values.has(match[1]!)) values.set(match[1]!, match[2]!);
  }
  const hostname = values.get("hostname");
  if (!hostname) throw new MolqError("Cannot read `ssh -G`: it printed no hostname.");
  const controlPath = values.get("controlpath") ?? "none";
  const proxyJump = values.get("proxyjump") ?? "none";
  return {
    hostname,
    port: values.get("port") ?? "22",
    user: values.get("user") ?? "",
    proxyJump: proxyJump === "none" ? null : proxyJump,
    controlPath: controlPath === "none" ? null : controlPath,
  };
}

/** Private directories for our sockets, best first. */
export function controlDirCandidates(
  env: { xdgRuntimeDir?: string; home?: string },
  uid: number,
): string[] {
  const dirs: string[] = [];
  if (env.xdgRuntimeDir?.startsWith("/")) dirs.push(`${env.xdgRuntimeDir}/molq-ssh`);
  dirs.push(`/tmp/molq-ssh-${uid}`);
  if (env.home?.startsWith("/")) dirs.push(`${env.home}/.molq/ssh`);
  return dirs;
}

/** A short file name for the master of one destination (like ssh's %C, but shorter). */
export function controlSocketName(destination: ResolvedDestination): string {
  const key = [destination.user, destination.hostname, destination.port, destination.proxyJump]
    .join("\0");
  return "cm-" + sha256Hex(key).slice(0, 16);
}

/** The user's ControlPath if they have one, else ours in `dir`. */
export function chooseControlPath(
  destination: ResolvedDestination,
  dir: string,
): ControlPathChoice {
  if (destination.controlPath !== null) return { path: destination.controlPath, owner: "user" };
  return { path: `${dir}/${controlSocketName(destination)}`, owner: "molq" };
}

/** The longest control socket path a master can bind here (sun_path less NUL and suffix). */
export function maxControlPathBytes(os: typeof Deno.build.os = Deno.build.os): number {
  const sunPath = os === "linux" ? 108 : 104;
  return sunPath - 1 - SSH_TEMP_SUFFIX_BYTES;
}

/** Throws when ssh could not bind `path` as a control socket. */
export function checkControlPathLength(
  cluster: string,
  path: string,
  maxBytes = maxControlPathBytes(),
): void {
  const bytes = new TextEncoder().encode(path).length;
  if (bytes > maxBytes) {
    throw new MolqError(
      `The control socket path for cluster "${cluster}" is ${bytes} bytes long, more than the ${maxBytes} a Unix socket allows here: ${path}.`,
      "Set a shorter ControlPath in your ssh config, e.g. ~/.ssh/cm-%C.",
    );
  }
}

/**
 * Creates `dir` (0700) or checks it: a real directory, owned by `uid`, writable by no one
 * else. Throws a MolqError saying what is wrong with it.
 */
export async function ensurePrivateDir(dir: string, uid: number): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new MolqError(`Cannot create the control socket directory ${dir}: ${error}.`);
  }
  const info = await Deno.lstat(dir);
  if (info.isSymlink || !info.isDirectory) {
    throw new MolqError(`Cannot use ${dir} for control sockets: it is not a directory.`);
  }
  if (info.uid !== uid) {
    throw new MolqError(`Cannot use ${dir} for control sockets: it belongs to another user.`);
  }
  if (((info.mode ?? 0) & 0o022) !== 0) {
    throw new MolqError(`Cannot use ${dir} for control sockets: others can write to it.`);
  }
}

/**
 * Resolves the control socket for a cluster: asks `ssh -G` (no network), then takes the
 * user's ControlPath or the first usable private directory.
 */
export async function resolveControlPath(
  cluster: string,
  destination: string,
  sshOptions: readonly string[],
): Promise<ControlPathChoice> {
  const dump = await runCommand(["ssh", ...sshOptions, "-G", "--", destination], {
    timeoutMs: 10_000,
  }).catch((error) => {
    throw new MolqError(
      `Cannot read the ssh settings of cluster "${cluster}": ${error.message.replace(/\.$/, "")}.`,
    );
  });
  const resolved = parseSshConfigDump(dump.stdout);
  if (resolved.controlPath !== null) {
    checkControlPathLength(cluster, resolved.controlPath);
    return { path: resolved.controlPath, owner: "user" };
  }
  const uid = Deno.uid() ?? -1;
  const env = { xdgRuntimeDir: Deno.env.get("XDG_RUNTIME_DIR"), home: Deno.env.get("HOME") };
  let firstError: unknown = null;
  for (const dir of controlDirCandidates(env, uid)) {
    try {
      await ensurePrivateDir(dir, uid);
      const choice = chooseControlPath(resolved, dir);
      checkControlPathLength(cluster, choice.path);
      return choice;
    } catch (error) {
      firstError ??= error;
    }
  }
  throw firstError;
}
