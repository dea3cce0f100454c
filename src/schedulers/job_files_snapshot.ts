/**
 * The batched evidence step of a reconcile pass: one `sh` script, run through the
 * cluster's Runner (here or over SSH), reports the host it ran on (name and boot id),
 * optionally its process table, and every evidence file in the given job directories:
 * one directory read per job, no process per file, no error per missing file.
 */
import type { Runner } from "../process/runner.ts";
import { CommandError, MolqError } from "../core/errors.ts";
import { lineChunks } from "../core/line_chunks.ts";
import { type HostIdentity, parseHostLine } from "../core/host_identity.ts";
import { BOOT_ID_SH, HOST_NAME_SH } from "../process/host_scripts.ts";
import type { JobEvidence } from "./job_files.ts";
import {
  CANCELLED_MARKER,
  CPU_TIMES,
  EXIT_CODE,
  FINISHED_AT,
  HOST_FILE,
  LAUNCHER_RESTARTS,
  LOCAL_ARRAY_FILE,
  PEAK_RSS,
  SCHEDULER_ID,
  STARTED_AT,
  TIMED_OUT_MARKER,
} from "./job_files.ts";
import { parsePsOutput, type ProcessView, processView } from "./process_table.ts";
import { parseTimesLine } from "./wrapper_usage.ts";

/** Small job-written files the step reads (first line only); everything else is skipped. */
const EVIDENCE_NAMES = [
  STARTED_AT,
  EXIT_CODE,
  FINISHED_AT,
  TIMED_OUT_MARKER,
  CANCELLED_MARKER,
  SCHEDULER_ID,
  HOST_FILE,
  "slurm_array.json",
  LOCAL_ARRAY_FILE,
  LAUNCHER_RESTARTS,
  "sge_array.json",
  CPU_TIMES,
  PEAK_RSS,
];

const HOST_LINE = "molq-host";
const BOOT_LINE = "molq-boot";
const PS_LINE = "molq-ps";
const PS_FAILED_LINE = "molq-ps-failed";
const FILES_LINE = "molq-files";
/** Processes were asked for (probed, or in a `ps` table). */
const PROCESSES_LINE = "molq-processes";
const END_LINE = "molq-end";
/** A files-section entry: this pid was seen running in this directory. */
const RUNS_ENTRY = ":runs";
/** A files-section entry (`-` for a directory): the given pid of each listed line runs there. */
const RUNNING_ENTRY = ":running";
/** A files-section entry: the directory is read again (after `ps`); forget what came before. */
const REREAD_ENTRY = ":reread";
/** Ends the second half of the requests (read at the same time), before its unsure pids. */
const HALF_END_LINE = "molq-half-end";
/** From this many requests on, the step reads two halves at once. */
const PARALLEL_MIN = 512;

/**
 * A job directory the step reads. `pid` (the wrapper's or launcher's) is probed first;
 * with `filesUnlessRunning`, a directory whose pid runs there is not read at all.
 */
export interface DirRequest {
  dir: string;
  pid: number | null;
  filesUnlessRunning: boolean;
}

/**
 * Request lines go as the script's arguments, up to what the runner's host takes (else
 * this much), instead of on its stdin: the command then has them all the moment it starts,
 * whatever molq does meanwhile, and needs no `cat`.
 */
const DEFAULT_ARGUMENT_BYTES = 8 * 1024;
/**
 * Each argument holds whole lines up to this many characters (UTF-16 units, so at most
 * 96 KiB of UTF-8: Linux takes up to 128 KiB in one argument).
 */
const ARGUMENT_CHARS_MAX = 32 * 1024;

/**
 * `sh -c SNAPSHOT_SCRIPT molq-snapshot processes|files [LINES...]`: reads job directories,
 * one `MODE PID DIR` line each (`f`: read its files; `p`: unless PID runs there), from the
 * LINES arguments joined or else stdin. With `processes`, every pid given or found in a
 * directory's `scheduler_id*` files is probed before that directory's files are read, so a
 * job that ends in between shows its exit code, never "gone without one". Linux probes
 * /proc/PID/cwd; a pid that does not verify but exists (or leads a live group), or a host
 * without /proc, gets the whole `ps` table, taken before the files it concerns are read.
 * From PARALLEL_MIN requests on, two `sh` processes read a half each at once; one table and
 * one re-read still settle the unsure pids of both.
 */
export const SNAPSHOT_SCRIPT = `
${HOST_NAME_SH}
printf '${HOST_LINE} %s\\n' "$h"
${BOOT_ID_SH}
printf '${BOOT_LINE} %s\\n' "$b"
probe=; table=; unsure=
if [ "\${1:-}" = processes ]; then
  printf '${PROCESSES_LINE}\\n'
  if [ /proc/$$/cwd -ef . ] 2>/dev/null; then probe=1; else table=1; fi
fi
nl='
'
tab='\t'
# Output goes out in blocks of lines: one write per line would wake the reader each time.
buf=; bn=0
molq_put() { buf="$buf$1$nl"; bn=$((bn+1)); [ "$bn" -lt 64 ] || molq_flush; }
molq_flush() { [ -z "$buf" ] || printf '%s' "$buf"; buf=; bn=0; }
molq_ps() {
  printf '${PS_LINE}\\n'
  LC_ALL=C ps -A -o pid=,pgid=,stat=,args= || printf '${PS_FAILED_LINE} %s\\n' "$?"
}
molq_unsure() {
  case $1 in ''|*[!0-9]*|0|1) return ;; esac
  if kill -0 "$1" 2>/dev/null || kill -0 "-$1" 2>/dev/null; then unsure="$unsure $i"; fi
}
molq_probe() {
  case $1 in ''|*[!0-9]*|0|1) return ;; esac
  if [ /proc/$1/cwd -ef "$2" ]; then molq_put "$i$tab${RUNS_ENTRY}$tab$1"
  else molq_unsure "$1"; fi
}
molq_read() {
  set +f
  for f in "$1"/*; do
    n=\${f##*/}
    case $n in ${
  EVIDENCE_NAMES.map((name) => `${name}|${name}.[0-9]*`).join("|")
}) ;; *) continue ;; esac
    [ -f "$f" ] || continue
    v=; IFS= read -r v <"$f" || :
    molq_put "$i$tab$n$tab$v"
    # A job's or task's own pid, unless it already wrote its exit code (then none is needed).
    case $n in
      ${SCHEDULER_ID}) [ -z "$2" ] || [ -e "$1/${EXIT_CODE}" ] || molq_probe "$v" "$1" ;;
      ${SCHEDULER_ID}.[0-9]*) [ -z "$2" ] || [ -e "$1/${EXIT_CODE}.\${n#*.}" ] || molq_probe "$v" "$1" ;;
    esac
  done
  set -f
}
# \`molq_scan FIRST END LINE...\`: the requests from index FIRST up to END, reading the files
# of each directory (probing its pid first), or with $probe only those whose pid does not
# run there. Unsure pids are added to $unsure for the \`ps\` that settles them.
molq_scan() {
  i=$1; e=$2; shift 2
  if [ -n "$probe" ]; then
    # The common case, kept lean (a shell's every command costs): a wrapper running in its
    # directory adds its index to $ok, written out once it is 1,000 characters long.
    ok=
    for l do
      case $i in "$e") break ;; esac
      m=\${l%% *} r=\${l#* }
      p=\${r%% *} d=\${r#* }
      if [ /proc/$p/cwd -ef "$d" ]; then
        ok="$ok $i"
        case $m in p) ;; *) molq_read "$d" 1 ;; esac
      else
        molq_unsure "$p"
        molq_read "$d" 1
      fi
      i=$((i+1))
      case \${#ok} in ????) molq_put "-$tab${RUNNING_ENTRY}$tab$ok"; ok= ;; esac
    done
    [ -z "$ok" ] || molq_put "-$tab${RUNNING_ENTRY}$tab$ok"
  else
    for l do
      [ "$i" -lt "$e" ] || break
      molq_read "\${l#* * }" ""
      i=$((i+1))
    done
  fi
}
# The unsure pids' directories are read again after the whole table is taken.
molq_settle() {
  [ -n "$unsure" ] || return 0
  molq_ps
  printf '${FILES_LINE}\\n'
  probe=; i=0
  for l in $lines; do
    case " $unsure " in *" $i "*)
      molq_put "$i$tab${REREAD_ENTRY}$tab"
      molq_read "\${l#* * }" "" ;;
    esac
    i=$((i+1))
  done
  molq_flush
}
[ -n "$table" ] && molq_ps
printf '${FILES_LINE}\\n'
# Requests in arguments, each of whole lines: reading stdin would cost a \`cat\` process.
if [ $# -ge 2 ]; then shift; lines=; for c do lines=$lines$c; done; else lines=$(cat); fi
set -f; IFS=$nl
set -- $lines
if [ $# -lt ${PARALLEL_MIN} ]; then
  molq_scan 0 $# "$@"
  molq_flush
  molq_settle
else
  # Two halves at once, for a host with more than one core: the second half's lines go
  # through the first, closed by a line with its unsure pids, without which the step stops
  # short of its end line.
  half=$(($# / 2)); all=$#
  {
    shift "$half"
    molq_scan "$half" "$all" "$@"
    molq_flush
    printf '${HALF_END_LINE}%s\\n' "$unsure"
  } | {
    molq_scan 0 "$half" "$@"
    molq_flush
    other=$(cat)
    set -- $other
    [ $# -gt 0 ] || exit 1
    eval "last=\\\${$#}"
    case $last in ${HALF_END_LINE}*) ;; *) exit 1 ;; esac
    unsure="$unsure\${last#${HALF_END_LINE}}"
    [ $# -lt 2 ] || printf '%s\\n' "\${other%"$nl"*}"
    molq_settle
  } || exit 1
fi
printf '${END_LINE}\\n'
`.trim();

/** What one step saw. Directories it was not asked about read as having no evidence. */
export class JobFilesSnapshot {
  constructor(
    readonly host: HostIdentity,
    readonly processes: ProcessView | null,
    readonly files: ReadonlyMap<string, ReadonlyMap<string, string>>,
  ) {}

  /** An empty snapshot of a host (no files, no processes). */
  static empty(host: HostIdentity): JobFilesSnapshot {
    return new JobFilesSnapshot(host, null, new Map());
  }

  /** The first line of a job-written file, or undefined. */
  text(jobDir: string, name: string): string | undefined {
    return this.files.get(jobDir)?.get(name);
  }

  /**
   * What the job wrote about itself; an array task's files carry its index as a suffix,
   * and a cancel marker without one covers every task of the array.
   */
  evidence(jobDir: string, arrayTaskId?: string | null): JobEvidence {
    const suffix = arrayTaskId ? `.${arrayTaskId}` : "";
    const has = (name: string) => this.text(jobDir, name) !== undefined;
    const evidence: JobEvidence = {
      timedOut: has(TIMED_OUT_MARKER + suffix),
      cancelled: has(CANCELLED_MARKER) || (suffix !== "" && has(CANCELLED_MARKER + suffix)),
    };
    const started = epochMs(this.text(jobDir, STARTED_AT + suffix));
    if (started !== undefined) evidence.startedAt = started;
    const exitCode = integer(this.text(jobDir, EXIT_CODE + suffix));
    if (exitCode !== undefined) {
      evidence.exitCode = exitCode;
      const finished = epochMs(this.text(jobDir, FINISHED_AT + suffix));
      if (finished !== undefined) evidence.finishedAt = finished;
    }
    const host = this.text(jobDir, HOST_FILE + suffix);
    if (host) evidence.host = parseHostLine(host);
    const times = this.text(jobDir, CPU_TIMES + suffix);
    const cpuSeconds = times === undefined ? null : parseTimesLine(times);
    if (cpuSeconds !== null) evidence.cpuSeconds = cpuSeconds;
    const peak = integer(this.text(jobDir, PEAK_RSS + suffix));
    if (peak !== undefined && peak > 0) evidence.peakRssKib = peak;
    return evidence;
  }

  /** Array task ids that left a start time or an exit code, in numeric order. */
  taskIds(jobDir: string): string[] {
    const pattern = new RegExp(`^(?:${STARTED_AT}|${EXIT_CODE})\\.(\\d+)$`);
    const ids = new Set<string>();
    for (const name of this.files.get(jobDir)?.keys() ?? []) {
      const match = pattern.exec(name);
      if (match) ids.add(match[1]!);
    }
    return [...ids].sort((a, b) => Number(a) - Number(b));
  }
}

/**
 * Runs the step through `runner` for job directories (a path: read its files) and, with
 * `processes`, what the host's processes say about the pids involved.
 */
export async function gatherJobFiles(
  runner: Runner,
  jobDirs: readonly (string | DirRequest)[],
  options: { processes?: boolean; timeoutMs?: number } = {},
): Promise<JobFilesSnapshot> {
  const argv = ["/bin/sh", "-c", SNAPSHOT_SCRIPT, "molq-snapshot"];
  argv.push(options.processes ? "processes" : "files");
  const requests = jobDirs
    .map((entry) =>
      typeof entry === "string" ? { dir: entry, pid: null, filesUnlessRunning: false } : entry
    )
    .filter((request) => !request.dir.includes("\n"));
  const pids = requests.map(({ pid }) =>
    pid !== null && Number.isInteger(pid) && pid > 1 ? pid : null
  );
  const lines = requests.map(({ dir, filesUnlessRunning }, i) =>
    `${filesUnlessRunning ? "p" : "f"} ${pids[i] ?? "-"} ${dir}\n`
  ).join("");
  const ask = (inline: boolean) =>
    runner.run(inline ? [...argv, ...lineChunks(lines, ARGUMENT_CHARS_MAX)] : argv, {
      stdin: inline ? undefined : lines,
      timeoutMs: options.timeoutMs ?? 30_000,
      allowFailure: true,
      ownProcessGroup: true,
    });
  const bytes = new TextEncoder().encode(lines).length;
  const inline = bytes <= (runner.argumentBytes ?? DEFAULT_ARGUMENT_BYTES);
  const result = await ask(inline).catch((error) => {
    // A host that takes fewer arguments than usual (a small stack limit, a large
    // environment) refuses to start the command: the requests then go on its stdin.
    const notStarted = error instanceof CommandError && error.code === null && !error.timedOut;
    if (inline && notStarted) return ask(false);
    throw error;
  });
  const dirs = requests.map((request) => request.dir);
  return parseSnapshotOutput(result.stdout, dirs, runner.where, pids);
}

/**
 * Parses the step's output. Anything short of the end line is an incomplete answer and
 * throws: a pass must never read a truncated snapshot as "no evidence".
 */
export function parseSnapshotOutput(
  stdout: string,
  jobDirs: readonly string[],
  where = "this host",
  pids: readonly (number | null)[] = [],
): JobFilesSnapshot {
  const lines = stdout.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.at(-1) !== END_LINE) {
    throw new MolqError(`Cannot read the job files on ${where}: the evidence step was cut short.`);
  }
  let hostname: string | null = null;
  let bootId: string | null = null;
  let section: "head" | "ps" | "files" = "head";
  let processesAsked = false;
  let psLines: string[] | null = null;
  let psFailed = false;
  const files = new Map<string, Map<string, string>>();
  const verified = new Map<string, Set<number>>();
  for (const line of lines.slice(0, -1)) {
    if (line === FILES_LINE) section = "files";
    else if (line === PS_LINE) {
      section = "ps";
      psLines = [];
    } else if (line === PROCESSES_LINE) processesAsked = true;
    else if (section === "ps") {
      if (line.startsWith(PS_FAILED_LINE)) psFailed = true;
      else psLines!.push(line);
    } else if (section === "head") {
      if (line.startsWith(HOST_LINE + " ")) hostname = line.slice(HOST_LINE.length + 1);
      else if (line.startsWith(BOOT_LINE + " ")) {
        bootId = line.slice(BOOT_LINE.length + 1).trim() || null;
      }
    } else {
      const [index, name, ...rest] = line.split("\t");
      if (index === "-" && name === RUNNING_ENTRY) {
        for (const i of rest.join("\t").trim().split(" ")) {
          const dir = jobDirs[Number(i)];
          const pid = pids[Number(i)];
          if (dir === undefined || pid == null) continue;
          if (!verified.has(dir)) verified.set(dir, new Set());
          verified.get(dir)!.add(pid);
        }
        continue;
      }
      const dir = jobDirs[Number(index)];
      if (dir === undefined || name === undefined) continue;
      const value = rest.join("\t").trim();
      if (name === RUNS_ENTRY) {
        if (!verified.has(dir)) verified.set(dir, new Set());
        verified.get(dir)!.add(Number(value));
      } else if (name === REREAD_ENTRY) files.delete(dir);
      else {
        if (!files.has(dir)) files.set(dir, new Map());
        files.get(dir)!.set(name, value);
      }
    }
  }
  if (!hostname) {
    throw new MolqError(`Cannot read the job files on ${where}: the host did not say its name.`);
  }
  if (psFailed) {
    throw new MolqError(`Cannot read the process table on ${where}: ps failed.`);
  }
  const table = psLines === null ? null : parsePsOutput(psLines.join("\n"));
  const processes = processesAsked || table ? processView(verified, table) : null;
  return new JobFilesSnapshot({ hostname, bootId }, processes, files);
}

function integer(text: string | undefined): number | undefined {
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : undefined;
}

/** Epoch seconds (older wrappers) or milliseconds. */
function epochMs(text: string | undefined): number | undefined {
  const value = integer(text);
  if (value === undefined) return undefined;
  return value < 100_000_000_000 ? value * 1000 : value;
}
