/**
 * How usage figures read: sizes (`214.7 MiB`), CPU and run times (`2.1s`, `3m12s`),
 * shares (`52%`), and the rounded values molq suggests as flags (`--mem 9G`, `--time 2h`).
 */
import { formatElapsed } from "../core/duration.ts";

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** `512 KiB`, `214.7 MiB`, `7.4 GiB`, `64 GiB` (no `.0`). */
export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value >= 100 || unit === 0 ? value.toFixed(0) : value.toFixed(1);
  return `${text.replace(/\.0$/, "")} ${units[unit]}`;
}

/** `0.04s`, `2.1s`, `59s`, then molq's elapsed form (`3m12s`, `2h05m`; `10m`, `2h` when whole). */
export function formatSeconds(seconds: number): string {
  if (seconds < 0.1) return `${(Math.round(seconds * 100) / 100).toString()}s`;
  if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toString()}s`;
  return formatElapsed(seconds).replace(/^(\d+[mhd])00[smh]$/, "$1");
}

/** `52%`; below 1 % one decimal, so a tiny share does not read as none. */
export function formatShare(ratio: number): string {
  const percent = ratio * 100;
  if (percent > 0 && percent < 1) return `${percent.toFixed(1)}%`;
  return `${Math.round(percent)}%`;
}

/** A `--mem` value at least `bytes`: whole GiB from 1 GiB on, else 100 MiB steps. */
export function memoryFlag(bytes: number): string {
  if (bytes >= GIB) return `${Math.ceil(bytes / GIB)}G`;
  return `${Math.max(100, Math.ceil(bytes / MIB / 100) * 100)}M`;
}

/** A `--time` value at least `seconds`: 5-minute steps up to an hour, hours, then days. */
export function timeFlag(seconds: number): string {
  if (seconds <= 3300) return `${Math.max(5, Math.ceil(seconds / 300) * 5)}m`;
  if (seconds <= 2 * 86400) return `${Math.ceil(seconds / 3600)}h`;
  return `${Math.ceil(seconds / 86400)}d`;
}
