/**
 * Reading the Python molq's loosely typed JSON values: objects, non-empty text, positive
 * integers, Unix seconds; what the mapping does not know is kept when it says something.
 */

export type Json = Record<string, unknown>;

/** Keeps fields the mapping does not know, when they say something (not null, empty or false). */
export function keepUnknown(
  source: Json,
  known: ReadonlySet<string>,
  prefix: string,
  unmapped: Json,
) {
  for (const [key, value] of Object.entries(source)) {
    if (known.has(key) || !meaningful(value)) continue;
    unmapped[`${prefix}${key}`] = value;
  }
}

function meaningful(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.values(value as Json).some(meaningful);
  return true;
}

export function parseObject(textValue: string | null, column: string, unmapped: Json): Json {
  if (textValue === null || textValue === "") return {};
  try {
    const value = JSON.parse(textValue);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
  } catch {
    // kept verbatim below
  }
  unmapped[column] = textValue;
  return {};
}

export function object(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value as Json : {};
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function stringValues(source: Json): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === null || value === undefined) continue;
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

export function positiveInteger(value: unknown): number | undefined {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function convert(parse: () => number): number | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

export const ms = (seconds: number) => Math.round(Number(seconds) * 1000);
export const msOrNull = (seconds: number | null) => (seconds === null ? null : ms(seconds));
export const iso = (seconds: number) => new Date(ms(seconds)).toISOString();
