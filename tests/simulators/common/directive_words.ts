/**
 * Reads scheduler directives (`#PBS ...`, `#BSUB ...`) the way qsub and bsub do: from the
 * top of the script until the first command line, each line split into words with shell
 * quoting ('single', "double", backslash).
 */

/** Splits one line into words; throws on an unterminated quote. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) {
        word += line[++i];
      } else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${line}`);
  if (inWord) words.push(word);
  return words;
}

/** The words of every `prefix` directive before the first command line. */
export function directiveWords(script: string, prefix: string): string[] {
  const words: string[] = [];
  for (const line of script.split("\n")) {
    const trimmed = line.trim();
    if (trimmed.startsWith(prefix + " ") || trimmed.startsWith(prefix + "\t")) {
      words.push(...splitWords(trimmed.slice(prefix.length)));
    } else if (trimmed !== "" && !trimmed.startsWith("#")) {
      break; // directives after the first command are ignored, as the real tools do
    }
  }
  return words;
}

/**
 * Splits words into `[flag, value]` pairs. `takesValue` lists flags with an argument;
 * other flags get `""`. Throws on an unknown flag; stops at the first non-flag word and
 * returns the rest as operands.
 */
export function pairOptions(
  words: readonly string[],
  takesValue: ReadonlySet<string>,
  noValue: ReadonlySet<string>,
): { options: [string, string][]; operands: string[] } {
  const options: [string, string][] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith("-") || word === "-") break;
    if (takesValue.has(word)) {
      const value = words[++i];
      if (value === undefined) throw new Error(`option ${word} needs a value`);
      options.push([word, value]);
    } else if (noValue.has(word)) {
      options.push([word, ""]);
    } else {
      throw new Error(`invalid option -- '${word.replace(/^-+/, "")}'`);
    }
  }
  return { options, operands: words.slice(i) };
}
