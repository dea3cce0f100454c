/**
 * The batched evidence step of a reconcile pass: one `sh` script, run through the
 * cluster's Runner (here or over SSH), reports the host it ran on (name and boot id),
 * optionally its process table, and every evidence file in the given job directories:
 * one directory read per job, no process per file, no error per missing file.
 */
import type { Runner } from "../process/runner.ts";
import { MolqError } from "../core/errors.ts";
import { type HostIdentity, parseHostLine } from "../core/host_identity.ts";
import { BOOT_ID_SH } from "../process/host_scripts.ts";
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
import { parsePsOutput, type ProcessTable } from "./process_table.ts";
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
const END_LINE = "molq-end";

/**
 * Reads job directories (one per line on stdin). Process table first, files after: a job
 * that ends in between then shows its exit code, never "gone without one".
 */
export const SNAPSHOT_SCRIPT = `
printf '${HOST_LINE} %s\\n' "$(uname -n)"
${BOOT_ID_SH}
printf '${BOOT_LINE} %s\\n' "$b"
if [ "\${1:-}" = ps ]; then
  printf '${PS_LINE}\\n'
  LC_ALL=C ps -A -o pid=,pgid=,stat=,args= || printf '${PS_FAILED_LINE} %s\\n' "$?"
fi
printf '${FILES_LINE}\\n'
i=0
while IFS= read -r d; do
  for f in "$d"/*; do
    n=\${f##*/}
    case $n in ${
  EVIDENCE_NAMES.map((name) => `${name}|${name}.[0-9]*`).join("|")
}) ;; *) continue ;; esac
    [ -f "$f" ] || continue
    v=; IFS= read -r v <"$f" || :
    printf '%s\\t%s\\t%s\\n' "$i" "$n" "$v"
  done
  i=$((i+1))
done
printf '${END_LINE}\\n'
`.trim();

/** What one step saw. Directories it was not asked about read as having no evidence. */
export class JobFilesSnapshot {
  constructor(
    readonly host: HostIdentity,
    readonly processes: ProcessTable | null,
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

/** Runs the step for `jobDirs` through `runner`; `processes` adds the process table. */
export async function gatherJobFiles(
  runner: Runner,
  jobDirs: readonly string[],
  options: { processes?: boolean; timeoutMs?: number } = {},
): Promise<JobFilesSnapshot> {
  const argv = ["/bin/sh", "-c", SNAPSHOT_SCRIPT, "molq-snapshot"];
  if (options.processes) argv.push("ps");
  const dirs = jobDirs.filter((dir) => !dir.includes("\n"));
  const result = await runner.run(argv, {
    stdin: dirs.map((dir) => dir + "\n").join(""),
    timeoutMs: options.timeoutMs ?? 30_000,
    allowFailure: true,
    ownProcessGroup: true,
  });
  return parseSnapshotOutput(result.stdout, dirs, runner.where);
}

/**
 * Parses the step's output. Anything short of the end line is an incomplete answer and
 * throws: a pass must never read a truncated snapshot as "no evidence".
 */
export function parseSnapshotOutput(
  stdout: string,
  jobDirs: readonly string[],
  where = "this host",
): JobFilesSnapshot {
  const lines = stdout.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.at(-1) !== END_LINE) {
    throw new MolqError(`Cannot read the job files on ${where}: the evidence step was cut short.`);
  }
  let hostname: string | null = null;
  let bootId: string | null = null;
  let section: "head" | "ps" | "files" = "head";
  const psLines: string[] = [];
  let psFailed = false;
  const files = new Map<string, Map<string, string>>();
  for (const line of lines.slice(0, -1)) {
    if (section === "head" || section === "ps") {
      if (line === FILES_LINE) section = "files";
      else if (line === PS_LINE) section = "ps";
      else if (section === "ps") {
        if (line.startsWith(PS_FAILED_LINE)) psFailed = true;
        else psLines.push(line);
      } else if (line.startsWith(HOST_LINE + " ")) hostname = line.slice(HOST_LINE.length + 1);
      else if (line.startsWith(BOOT_LINE + " ")) {
        bootId = line.slice(BOOT_LINE.length + 1).trim() || null;
      }
      continue;
    }
    const [index, name, ...rest] = line.split("\t");
    const dir = jobDirs[Number(index)];
    if (dir === undefined || name === undefined) continue;
    const entries = files.get(dir) ?? new Map<string, string>();
    files.set(dir, entries);
    entries.set(name, rest.join("\t").trim());
  }
  if (!hostname) {
    throw new MolqError(`Cannot read the job files on ${where}: the host did not say its name.`);
  }
  if (psFailed) {
    throw new MolqError(`Cannot read the process table on ${where}: ps failed.`);
  }
  const processes = section !== "files" || !lines.includes(PS_LINE) ? null : parsePsOutput(
    psLines.join("\n"),
  );
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
