/** Text cut into pieces of whole lines, for commands that take it as several arguments. */

/**
 * `text` in pieces of whole lines, each at most `max` characters (unless one line is
 * longer); always at least one piece, the empty text's being "".
 */
export function lineChunks(text: string, max: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > max) {
    const end = text.lastIndexOf("\n", start + max - 1) + 1;
    if (end <= start) break;
    pieces.push(text.slice(start, end));
    start = end;
  }
  pieces.push(text.slice(start));
  return pieces;
}
