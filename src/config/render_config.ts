/**
 * The resolved config as TOML, for `molq config show` and `molq clusters show NAME`:
 * built-in defaults filled in, paths expanded, sizes and durations in their exact
 * shortest form, a literal `$` in a path as `$$`. The output parses back to the same config.
 */
import type { RetryPolicy } from "../core/job_request.ts";
import type { ClusterProfile, MolqConfig, SubmitDefaultsConfig } from "./config.ts";
import type { NotifyConfig } from "./notify_config.ts";

type Value = string | number | boolean | number[] | string[];
type Section = { header: string[]; rows: [string, Value | undefined][] };

export function renderConfig(config: MolqConfig): string {
  const source = config.path ?? "no config file (built-in defaults)";
  const lines = [
    `# molq configuration: ${source}`,
    "# Resolved view: built-in defaults filled in, $VARIABLES and ~ expanded.",
  ];
  lines.push(...renderRows([
    ["default_cluster", config.defaultCluster],
    ["color", config.color],
    ["jobs_dir", pathText(config.jobsDir)],
  ]));
  const sections: Section[] = [
    ...defaultsSections(["defaults"], config.defaults),
    {
      header: ["retention"],
      rows: [
        ["job_dirs_days", config.retention.jobDirsDays],
        ["records_days", config.retention.recordsDays],
        ["keep_failed_dirs", config.retention.keepFailedDirs],
      ],
    },
    { header: ["retry"], rows: retryRows(config.retry) },
    { header: ["notify"], rows: config.notify ? notifyRows(config.notify) : [] },
  ];
  for (const profile of Object.values(config.clusters)) sections.push(...profileSections(profile));
  return [lines.join("\n"), ...sections.map(renderSection).filter(Boolean)].join("\n\n") + "\n";
}

/** One profile as its `[clusters.NAME...]` tables. */
export function renderClusterProfile(profile: ClusterProfile): string {
  return profileSections(profile).map(renderSection).filter(Boolean).join("\n\n") + "\n";
}

function profileSections(profile: ClusterProfile): Section[] {
  const base = ["clusters", profile.name];
  return [
    {
      header: base,
      rows: [
        ["scheduler", profile.scheduler],
        ["host", profile.remote?.host],
        ["auth", profile.remote?.auth],
        ["flavour", profile.flavour],
        ["parallel_environment", profile.parallelEnvironment],
        ["jobs_dir", pathText(profile.jobsDir)],
      ],
    },
    ...defaultsSections([...base, "defaults"], profile.defaults),
    {
      header: [...base, "commands"],
      rows: Object.entries(profile.commands).map(([name, path]) => [name, pathText(path)]),
    },
    {
      header: [...base, "refresh"],
      rows: [
        ["min_interval", durationText(profile.refresh.minIntervalSeconds)],
        ["command_timeout", durationText(profile.refresh.commandTimeoutSeconds)],
      ],
    },
    { header: [...base, "retry"], rows: profile.retry ? retryRows(profile.retry) : [] },
    { header: [...base, "notify"], rows: profile.notify ? notifyRows(profile.notify) : [] },
  ];
}

function notifyRows(notify: NotifyConfig): [string, Value | undefined][] {
  return [
    ["on", notify.on],
    ["command", notify.command],
    ["mail", notify.mail],
    ["timeout", durationText(notify.timeoutSeconds)],
    ["array_tasks", notify.arrayTasks],
    ["all_jobs", notify.allJobs],
  ];
}

function defaultsSections(header: string[], defaults: SubmitDefaultsConfig): Section[] {
  const r = defaults.resources;
  const s = defaults.scheduling;
  return [
    {
      header,
      rows: [
        ["partition", s.partition],
        ["account", s.account],
        ["qos", s.qos],
        ["reservation", s.reservation],
        ["time", durationText(r.timeLimitSeconds)],
        ["mem", memoryText(r.memoryBytes)],
        ["cpus", r.cpus],
        ["gpus", r.gpus],
        ["gpu_type", r.gpuType],
        ["nodes", r.nodes],
        ["exclusive", r.exclusive],
      ],
    },
    { header: [...header, "env"], rows: Object.entries(defaults.env ?? {}) },
  ];
}

function retryRows(retry: Partial<RetryPolicy>): [string, Value | undefined][] {
  return [
    ["attempts", retry.attempts],
    ["backoff", durationText(retry.backoffSeconds)],
    ["on_exit_codes", retry.onExitCodes],
  ];
}

/** A table with no set rows is left out. */
function renderSection(section: Section): string {
  const rows = renderRows(section.rows);
  return rows.length === 0
    ? ""
    : [`[${section.header.map(tomlKey).join(".")}]`, ...rows].join("\n");
}

function renderRows(rows: [string, Value | undefined][]): string[] {
  return rows.filter(([, value]) => value !== undefined).map(([key, value]) =>
    `${tomlKey(key)} = ${tomlValue(value!)}`
  );
}

function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

function tomlValue(value: Value): string {
  if (typeof value === "string") return tomlString(value);
  if (Array.isArray(value)) {
    return `[${
      value.map((item: string | number) => typeof item === "string" ? tomlString(item) : item)
        .join(", ")
    }]`;
  }
  return String(value);
}

/** A TOML basic string: JSON's escapes are valid TOML, plus DEL, which TOML wants escaped. */
function tomlString(text: string): string {
  return JSON.stringify(text).replaceAll("\x7f", "\\u007F");
}

/** An expanded path written so that reading it back expands nothing: `$` as `$$`. */
function pathText(path: string | undefined): string | undefined {
  return path?.replaceAll("$", "$$$$");
}

/** Exact and short: `4h`, `2h30m`, `1d`, `90` → `1m30s`. */
export function durationText(seconds: number | undefined): string | undefined {
  if (seconds === undefined) return undefined;
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    const amount = Math.floor(rest / size);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  return parts.join("") || "0s";
}

/** Exact and short: the largest unit that divides the size (`16G`, `1536M`), else bytes. */
export function memoryText(bytes: number | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  for (const [unit, power] of [["T", 4], ["G", 3], ["M", 2], ["K", 1]] as const) {
    if (bytes % 1024 ** power === 0) return `${bytes / 1024 ** power}${unit}`;
  }
  return String(bytes);
}
