/** Aligned text tables for human output. */
import { visibleWidth } from "./style.ts";

/** Renders rows under headers, columns padded to their widest cell; `right` columns align right. */
export function renderTable(
  headers: string[],
  rows: string[][],
  options: { right?: number[]; maxWidth?: Record<number, number> } = {},
): string {
  const cells = [headers, ...rows].map((row) =>
    row.map((cell, i) => truncate(cell, options.maxWidth?.[i]))
  );
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => visibleWidth(row[i] ?? ""))));
  return cells.map((row) =>
    row.map((cell, i) => {
      const pad = " ".repeat(widths[i]! - visibleWidth(cell));
      if (i === row.length - 1 && !options.right?.includes(i)) return cell;
      return options.right?.includes(i) ? pad + cell : cell + pad;
    }).join("  ").trimEnd()
  ).join("\n");
}

function truncate(text: string, max: number | undefined): string {
  const clean = text.replace(/[\n\r\t]/g, " ");
  if (max === undefined || visibleWidth(clean) <= max) return clean;
  return [...clean].slice(0, max - 1).join("") + "…";
}
