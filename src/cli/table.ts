/**
 * Aligned text tables for human output: each column as wide as its widest cell. A long
 * table is laid out in two passes over its rows (measure, then print), so it can be
 * streamed without holding every row; a held one is cut and measured once.
 */
import { takeColumns } from "../core/text_width.ts";
import { plainAscii, visibleWidth } from "./style.ts";

export interface TableOptions {
  /** Columns aligned right. */
  right?: number[];
  /** Cells longer than this (by column) are cut with `…`. */
  maxWidth?: Record<number, number>;
}

/** A row as printed: each cell cut to its column's maximum, and the columns it takes. */
export interface FittedRow {
  cells: string[];
  widths: number[];
}

/** Renders rows under headers, columns padded to their widest cell; `right` columns align right. */
export function renderTable(headers: string[], rows: string[][], options: TableOptions = {}) {
  const fitted = rows.map((row) => fitRow(row, options));
  const header = fitRow(headers, options);
  const widths = fittedWidths(header, fitted);
  return [header, ...fitted].map((row) => fittedLine(row, widths, options)).join("\n");
}

/** The width of each column: its widest cell (after cutting), header included. */
export function columnWidths(
  headers: readonly string[],
  rows: Iterable<readonly string[]>,
  options: TableOptions = {},
): number[] {
  const widths = fitRow(headers, options).widths;
  for (const row of rows) widen(widths, fitRow(row, options));
  return widths;
}

/** The widest cell of each of the header's columns, over the header and `rows`. */
export function fittedWidths(header: FittedRow, rows: Iterable<FittedRow>): number[] {
  const widths = header.widths.slice();
  for (const row of rows) widen(widths, row);
  return widths;
}

function widen(widths: number[], row: FittedRow): void {
  for (let i = 0; i < widths.length; i++) {
    const width = row.widths[i] ?? 0;
    if (width > widths[i]!) widths[i] = width;
  }
}

/** One row, cut and padded to `widths`; the last column is not padded (no trailing space). */
export function tableLine(
  row: readonly string[],
  widths: readonly number[],
  options: TableOptions = {},
): string {
  return fittedLine(fitRow(row, options), widths, options);
}

/** Cuts each cell to its column's maximum (line breaks and tabs become spaces) and measures it. */
export function fitRow(row: readonly string[], options: TableOptions = {}): FittedRow {
  const cells: string[] = [];
  const widths: number[] = [];
  // One test for a whole row of plain text (the common case) rather than one per cell.
  const plainRow = plainAscii(row.join(""));
  for (let i = 0; i < row.length; i++) {
    const text = row[i]!;
    const max = options.maxWidth?.[i];
    if (plainRow || plainAscii(text)) {
      // The common case: one column per character, nothing to clean.
      const cut = max !== undefined && text.length > max;
      cells.push(cut ? text.slice(0, max - 1) + "…" : text);
      widths.push(cut ? max : text.length);
      continue;
    }
    const clean = /[\n\r\t]/.test(text) ? text.replace(/[\n\r\t]/g, " ") : text;
    const width = visibleWidth(clean);
    const cell = max === undefined || width <= max ? clean : takeColumns(clean, max - 1) + "…";
    cells.push(cell);
    widths.push(cell === clean ? width : visibleWidth(cell));
  }
  return { cells, widths };
}

/** A fitted row padded to `widths`. */
export function fittedLine(
  row: FittedRow,
  widths: readonly number[],
  options: TableOptions = {},
): string {
  const last = row.cells.length - 1;
  let line = "";
  for (let i = 0; i <= last; i++) {
    const cell = row.cells[i]!;
    const pad = " ".repeat(Math.max(0, widths[i]! - row.widths[i]!));
    if (options.right?.includes(i)) line += pad + cell;
    else line += i === last ? cell : cell + pad;
    if (i < last) line += "  ";
  }
  return line.trimEnd();
}
