/** For tests: whether anything is at `path` (a stat that fails for any reason reads as nothing). */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
