/** "Did you mean ...?" for a mistyped command or option, as commander words it. */

const MAX_DISTANCE = 3;
const MIN_SIMILARITY = 0.4;

/** Optimal string alignment distance: edits, insertions, deletions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > MAX_DISTANCE) return Math.max(a.length, b.length);
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d[i] = [i];
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let j = 1; j <= b.length; j++) {
    for (let i = 1; i <= a.length; i++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}

/** `\n(Did you mean --limit?)`, `\n(Did you mean one of a, b?)`, or "" when nothing is close. */
export function suggestSimilar(word: string, candidates: readonly string[]): string {
  if (candidates.length === 0) return "";
  const options = word.startsWith("--");
  const typed = options ? word.slice(2) : word;
  let bestDistance = MAX_DISTANCE;
  let similar: string[] = [];
  for (const full of new Set(candidates)) {
    const candidate = options ? full.slice(2) : full;
    if (candidate.length <= 1) continue;
    const distance = editDistance(typed, candidate);
    const length = Math.max(typed.length, candidate.length);
    if ((length - distance) / length <= MIN_SIMILARITY) continue;
    if (distance < bestDistance) {
      bestDistance = distance;
      similar = [candidate];
    } else if (distance === bestDistance) {
      similar.push(candidate);
    }
  }
  similar.sort((a, b) => a.localeCompare(b));
  if (options) similar = similar.map((candidate) => `--${candidate}`);
  if (similar.length > 1) return `\n(Did you mean one of ${similar.join(", ")}?)`;
  if (similar.length === 1) return `\n(Did you mean ${similar[0]}?)`;
  return "";
}
