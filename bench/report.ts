/** Prints benchmark results as a Markdown table (pasteable into docs/performance.md). */
import type { BenchResult } from "./measure.ts";

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return "-";
  if (Number.isInteger(value)) return `${value} ${unit}`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

function formatRatio(ratio: number | undefined): string {
  return ratio === undefined ? "" : `${ratio.toFixed(2)} ×`;
}

/** The number a target holds: the value, or its ratio to the floor. */
function heldValue(result: BenchResult): number {
  return result.target?.on === "ratio" ? result.ratio ?? NaN : result.value;
}

export function targetMet(result: BenchResult): boolean {
  if (!result.target) return true;
  const { op, value } = result.target;
  const held = heldValue(result);
  return op === "<=" ? held <= value : op === ">=" ? held >= value : held === value;
}

function verdict(result: BenchResult): string {
  if (!result.target) return "";
  const { op, value, on } = result.target;
  const limit = on === "ratio" ? `${value} × floor` : formatValue(value, result.unit);
  return `${op} ${limit} ${targetMet(result) ? "met" : "MISSED"}`;
}

export function renderResults(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [
    r.suite,
    r.name,
    formatValue(r.value, r.unit),
    r.min === undefined ? "" : formatValue(r.min, r.unit),
    formatRatio(r.ratio),
    verdict(r),
    r.note ?? "",
  ]);
  const headers = ["suite", "measurement", "median", "min", "/ floor", "target", "note"];
  const numeric = [2, 3, 4];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(headers),
    `|${
      widths.map((w, i) => (numeric.includes(i) ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2)))
        .join("|")
    }|`,
    ...rows.map(line),
  ].join("\n");
}

/** Missed targets, for the summary line. */
export function missedTargets(results: readonly BenchResult[]): BenchResult[] {
  return results.filter((r) => !targetMet(r));
}
