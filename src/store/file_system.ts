/**
 * Which file system holds the store, because SQLite's WAL must not be shared across hosts:
 * the mount table (`/proc/self/mountinfo` on Linux, `df`/`mount` on macOS), the longest
 * mount point containing the resolved path, and whether its type is a network one.
 */
import { runCommandSync } from "../process/run_command.ts";

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  /** Per-mount options and the file system's own (super block) options, together. */
  options: string[];
}

export interface FileSystemInfo {
  mountPoint: string;
  fsType: string;
  source: string;
  /** Shared by other hosts: SQLite's rollback journal, never WAL. */
  network: boolean;
  /** Mount options that make locks visible on this host only (`nolock`, `local_lock=...`). */
  hostLocalLocks: string[];
}

const NETWORK_TYPES = new Set([
  "nfs",
  "nfs4",
  "lustre",
  "gpfs",
  "beegfs",
  "fhgfs",
  "ceph",
  "cifs",
  "smb3",
  "smbfs",
  "9p",
  "afs",
  "panfs",
  "wekafs",
  "glusterfs",
  "fuse", // a FUSE file system without a subtype: assume the worst
  "webdav",
]);

/** Parses mountinfo; lines that do not fit the format are skipped. */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(" ");
    const separator = fields.indexOf("-", 6);
    if (fields.length < 10 || separator < 0 || fields.length < separator + 3) continue;
    const mountPoint = unescapeMountField(fields[4]!);
    if (!mountPoint.startsWith("/")) continue;
    entries.push({
      mountPoint,
      fsType: fields[separator + 1]!,
      source: unescapeMountField(fields[separator + 2]!),
      options: [...fields[5]!.split(","), ...(fields[separator + 3] ?? "").split(",")],
    });
  }
  return entries;
}

/** The mount holding `path` (already resolved): the longest mount point that contains it. */
export function findMount(entries: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const entry of entries) {
    const mp = entry.mountPoint;
    const contains = mp === "/" || path === mp || path.startsWith(mp.endsWith("/") ? mp : mp + "/");
    // A later entry for the same mount point is mounted over the earlier one.
    if (contains && (!best || mp.length >= best.mountPoint.length)) best = entry;
  }
  return best;
}

export function classifyMount(entry: MountEntry): FileSystemInfo {
  const type = entry.fsType.toLowerCase();
  const network = NETWORK_TYPES.has(type) || type.startsWith("fuse.") && type !== "fuse.lxcfs";
  const hostLocalLocks = entry.options.filter((option) =>
    option === "nolock" || option === "localflock" ||
    (option.startsWith("local_lock=") && option !== "local_lock=none")
  );
  return {
    mountPoint: entry.mountPoint,
    fsType: entry.fsType,
    source: entry.source,
    network,
    hostLocalLocks: network ? [...new Set(hostLocalLocks)] : [],
  };
}

/** Parses macOS `mount` output lines: `/dev/disk1s1 on / (apfs, local, journaled)`. */
export function parseMacMount(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const match = /^(.+?) on (\/.*?) \(([^)]*)\)$/.exec(line.trim());
    if (!match) continue;
    const [fsType = "", ...options] = match[3]!.split(",").map((part) => part.trim());
    entries.push({ mountPoint: match[2]!, fsType, source: match[1]!, options });
  }
  return entries;
}

/**
 * The file system holding `dir`, or a sentence saying why it cannot be told (then the
 * store takes the choice that is safe everywhere).
 */
export function detectFileSystem(dir: string): FileSystemInfo | string {
  let path: string;
  try {
    path = Deno.realPathSync(dir);
  } catch (error) {
    return `cannot resolve ${dir}: ${error instanceof Error ? error.message : String(error)}`;
  }
  try {
    if (Deno.build.os === "darwin") return detectOnMac(path);
    // Deno reads /proc only with every permission, so `cat` reads our mount table.
    const result = runCommandSync(["cat", "/proc/self/mountinfo"]);
    if (result.code !== 0) return `cannot read /proc/self/mountinfo: ${result.stderr.trim()}`;
    const mount = findMount(parseMountinfo(result.stdout), path);
    return mount ? classifyMount(mount) : `no mount in /proc/self/mountinfo contains ${path}`;
  } catch (error) {
    return error instanceof Error ? error.message.replace(/\.$/, "") : String(error);
  }
}

function detectOnMac(path: string): FileSystemInfo | string {
  const result = runCommandSync(["mount"]);
  if (result.code !== 0) return "cannot run mount";
  const entries = parseMacMount(result.stdout);
  const mount = findMount(entries, path);
  if (!mount) return `no mount contains ${path}`;
  // macOS marks every volume on a local disk "local"; anything else is served from elsewhere.
  return { ...classifyMount(mount), network: !mount.options.includes("local") };
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeMountField(field: string): string {
  return field.replace(
    /\\([0-7]{3})/g,
    (_, octal: string) => String.fromCharCode(parseInt(octal, 8)),
  );
}
