/** Prints benchmark results as a Markdown table (pasteable into docs/performance.md). */
import type { BenchResult } from "./measure.ts";

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return "-";
  if (Number.isInteger(value)) return `${value} ${unit}`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

export function targetMet(result: BenchResult): boolean {
  if (!result.target) return true;
  const { op, value } = result.target;
  return op === "<="
    ? result.value <= value
    : op === ">="
    ? result.value >= value
    : result.value === value;
}

function verdict(result: BenchResult): string {
  if (!result.target) return "";
  const { op, value } = result.target;
  return `${op} ${formatValue(value, result.unit)} ${targetMet(result) ? "met" : "MISSED"}`;
}

export function renderResults(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [
    r.suite,
    r.name,
    formatValue(r.value, r.unit),
    r.min === undefined ? "" : formatValue(r.min, r.unit),
    verdict(r),
    r.note ?? "",
  ]);
  const headers = ["suite", "measurement", "median", "min", "target", "note"];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(headers),
    `|${
      widths.map((w, i) => (i === 2 || i === 3 ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2)))
        .join("|")
    }|`,
    ...rows.map(line),
  ].join("\n");
}

/** Missed targets, for the summary line. */
export function missedTargets(results: readonly BenchResult[]): BenchResult[] {
  return results.filter((r) => !targetMet(r));
}
