/**
 * Durations: `90` (seconds), `90s`, `30m`, `2h30m`, `1.5h`, `1d`, `HH:MM:SS`, `MM:SS`,
 * `D-HH:MM:SS` parsed to seconds.
 */
import { UsageError } from "./errors.ts";

const DURATION_FORMS =
  "seconds (90), units (90s, 30m, 2h30m, 1.5h, 1d) or clock forms (MM:SS, HH:MM:SS, D-HH:MM:SS)";
const UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };

/** `what` names the value in errors: the flag or key it came from. */
export function parseDurationSeconds(text: string, what = "duration"): number {
  const value = text.trim().toLowerCase();
  const seconds = parseClock(value) ?? parseUnits(value);
  if (seconds === null || !Number.isFinite(seconds)) {
    throw new UsageError(`Invalid ${what} "${text}": expected ${DURATION_FORMS}.`);
  }
  if (seconds <= 0) throw new UsageError(`Invalid ${what} "${text}": it must be more than zero.`);
  // Whole seconds: a fraction that rounds to none would be a limit of 0 s.
  if (seconds < 0.5) {
    throw new UsageError(`Invalid ${what} "${text}": it must be at least 1 second.`);
  }
  return Math.round(seconds);
}

/**
 * The same forms and `250ms`, in milliseconds with fractions of a second kept (`0.5s` →
 * 500); null when `text` is none of them. The caller says what range it accepts.
 */
export function durationMs(text: string): number | null {
  const value = text.trim().toLowerCase();
  const millis = /^(\d+)ms$/.exec(value);
  if (millis) return Number(millis[1]);
  const seconds = parseClock(value) ?? parseUnits(value);
  return seconds === null || !Number.isFinite(seconds) ? null : Math.round(seconds * 1000);
}

function parseClock(value: string): number | null {
  const match = /^(?:(\d+)-)?(\d+):(\d{1,2})(?::(\d{1,2}))?$/.exec(value);
  if (!match) return null;
  const [, days, a, b, c] = match;
  if (days !== undefined && c === undefined) return null; // D-HH:MM is ambiguous; ask for D-HH:MM:SS
  const [hours, minutes, secs] = c === undefined ? [0, Number(a), Number(b)] : [
    Number(a),
    Number(b),
    Number(c),
  ];
  if (secs >= 60 || (c !== undefined && minutes >= 60)) return null;
  return Number(days ?? 0) * 86400 + hours * 3600 + minutes * 60 + secs;
}

function parseUnits(value: string): number | null {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  if (!/^(\d+(\.\d+)?[dhms])+$/.test(value)) return null;
  let total = 0;
  const seen = new Set<string>();
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)([dhms])/g)) {
    if (seen.has(unit!)) return null;
    seen.add(unit!);
    total += Number(amount) * UNIT_SECONDS[unit!]!;
  }
  return total;
}

/** `HH:MM:SS`, with days as extra hours: what PBS and many sites expect. */
export function formatClock(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}`;
}

/** A compact human form for elapsed times: 45s, 3m12s, 2h05m, 3d04h. */
export function formatElapsed(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
