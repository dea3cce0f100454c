/** Memory sizes: `512M`, `8G`, `1.5G`, `8GiB`, `2T` (1024-based) parsed to bytes. */
import { UsageError } from "./errors.ts";

const MEMORY_FORMS = "a number with a unit K, M, G or T (e.g. 512M, 8G, 1.5G, 8GiB, 2T)";
const UNIT_POWER: Record<string, number> = { "": 0, b: 0, k: 1, m: 2, g: 3, t: 4, p: 5 };

export function parseMemoryBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?\s*$/i.exec(text);
  const unit = match?.[2]?.toLowerCase() ?? "";
  if (!match || (unit === "" && !/b$/i.test(text.trim()) && !/^\s*\d+\s*$/.test(text))) {
    throw new UsageError(`Invalid memory size "${text}": expected ${MEMORY_FORMS}.`);
  }
  const bytes = Math.round(Number(match[1]) * 1024 ** (UNIT_POWER[unit] ?? 0));
  if (!Number.isSafeInteger(bytes)) {
    throw new UsageError(`Invalid memory size "${text}": it is too large.`);
  }
  if (bytes <= 0) {
    throw new UsageError(`Invalid memory size "${text}": it must be more than zero.`);
  }
  return bytes;
}

/** Whole mebibytes, rounded up: what most schedulers take. */
export function memoryMebibytes(bytes: number): number {
  return Math.ceil(bytes / 1024 ** 2);
}

/** A short human form: 8G, 1.5G, 512M. */
export function formatMemory(bytes: number): string {
  const units = ["", "K", "M", "G", "T", "P"];
  let value = bytes;
  let index = 0;
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024;
    index++;
  }
  const rounded = Math.round(value * 10) / 10;
  return `${rounded}${units[index]}`;
}
