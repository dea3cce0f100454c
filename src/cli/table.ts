/**
 * Aligned text tables for human output: each column as wide as its widest cell. A long
 * table is laid out in two passes over its rows (measure, then print), so it can be
 * streamed without holding every row.
 */
import { takeColumns } from "../core/text_width.ts";
import { visibleWidth } from "./style.ts";

export interface TableOptions {
  /** Columns aligned right. */
  right?: number[];
  /** Cells longer than this (by column) are cut with `…`. */
  maxWidth?: Record<number, number>;
}

/** Renders rows under headers, columns padded to their widest cell; `right` columns align right. */
export function renderTable(headers: string[], rows: string[][], options: TableOptions = {}) {
  const widths = columnWidths(headers, rows, options);
  return [headers, ...rows].map((row) => tableLine(row, widths, options)).join("\n");
}

/** The width of each column: its widest cell (after cutting), header included. */
export function columnWidths(
  headers: readonly string[],
  rows: Iterable<readonly string[]>,
  options: TableOptions = {},
): number[] {
  const widths = headers.map((header, i) => visibleWidth(truncate(header, options.maxWidth?.[i])));
  for (const row of rows) {
    for (let i = 0; i < widths.length; i++) {
      const width = visibleWidth(truncate(row[i] ?? "", options.maxWidth?.[i]));
      if (width > widths[i]!) widths[i] = width;
    }
  }
  return widths;
}

/** One row, cut and padded to `widths`; the last column is not padded (no trailing space). */
export function tableLine(
  row: readonly string[],
  widths: readonly number[],
  options: TableOptions = {},
): string {
  return row.map((text, i) => {
    const cell = truncate(text, options.maxWidth?.[i]);
    const pad = " ".repeat(Math.max(0, widths[i]! - visibleWidth(cell)));
    if (i === row.length - 1 && !options.right?.includes(i)) return cell;
    return options.right?.includes(i) ? pad + cell : cell + pad;
  }).join("  ").trimEnd();
}

function truncate(text: string, max: number | undefined): string {
  if (max === undefined && !/[\n\r\t]/.test(text)) return text;
  const clean = text.replace(/[\n\r\t]/g, " ");
  if (max === undefined || visibleWidth(clean) <= max) return clean;
  return takeColumns(clean, max - 1) + "…";
}
