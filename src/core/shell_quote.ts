/** POSIX shell quoting: the only way user text enters a generated script. */

/** Quotes one word so that `sh` reads it back byte for byte. */
export function shellQuote(word: string): string {
  if (word !== "" && /^[\w@%+=:,./-]+$/.test(word) && !word.startsWith("-")) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** Quotes every word and joins them with spaces. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
