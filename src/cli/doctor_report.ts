/** `molq doctor`'s findings: one line per check, with its level and what to do. */
import { paint } from "./style.ts";

export type CheckLevel = "ok" | "warning" | "problem";

export interface Check {
  /** What was checked: `store`, `file system`, `cluster hpc`, ... */
  name: string;
  level: CheckLevel;
  /** What molq found, in one sentence. */
  detail: string;
  /** What to do about it (warnings and problems). */
  fix?: string;
}

const MARKS: Record<CheckLevel, [string, "green" | "yellow" | "red"]> = {
  ok: ["ok", "green"],
  warning: ["warning", "yellow"],
  problem: ["problem", "red"],
};

/** Aligned lines: `ok       store          /home/a/.molq/jobs.db (0600)`, fixes indented below. */
export function renderChecks(checks: readonly Check[], color: boolean): string {
  const nameWidth = Math.max(...checks.map((c) => c.name.length), 4);
  const lines: string[] = [];
  for (const check of checks) {
    const [label, hue] = MARKS[check.level];
    const mark = paint(label.padEnd(8), hue, color);
    lines.push(`${mark} ${check.name.padEnd(nameWidth)}  ${check.detail}`);
    if (check.fix) lines.push(`${" ".repeat(9 + nameWidth + 2)}→ ${check.fix}`);
  }
  return lines.join("\n");
}

/** 0 when nothing is a problem, 1 otherwise. */
export function doctorExitCode(checks: readonly Check[]): number {
  return checks.some((check) => check.level === "problem") ? 1 : 0;
}

/** Crontab lines (not comments) that run `molq refresh` or `molq daemon`. */
export function molqCronLines(crontab: string): string[] {
  return crontab.split("\n").map((line) => line.trim()).filter((line) =>
    line !== "" && !line.startsWith("#") && /\bmolq\b/.test(line) &&
    /\b(refresh|daemon)\b/.test(line)
  );
}
