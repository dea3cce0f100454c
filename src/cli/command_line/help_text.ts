/**
 * A command's help, laid out as commander lays it out: usage, description, then aligned
 * lists of arguments, options and commands whose descriptions wrap to the terminal width
 * (80 columns when the output is not a terminal).
 */
import type { Option } from "./option.ts";

export interface HelpItem {
  term: string;
  description: string;
}

export interface HelpContent {
  /** `molq list [options] [scheduler]`. */
  usage: string;
  description: string;
  /** Shown only when some argument has a description. */
  arguments: HelpItem[];
  options: HelpItem[];
  commands: HelpItem[];
}

/** Descriptions narrower than this are not wrapped at all. */
const MIN_WIDTH_TO_WRAP = 40;
const INDENT = 2;
const SPACER = 2;

export function formatHelp(content: HelpContent, helpWidth = 80): string {
  const termWidth = Math.max(
    0,
    ...[...content.arguments, ...content.options, ...content.commands].map((i) => i.term.length),
  );
  const list = (heading: string, items: HelpItem[]) =>
    items.length === 0
      ? []
      : [heading, ...items.map((item) => formatItem(item, termWidth, helpWidth)), ""];
  const description = content.description.length > 0
    ? [boxWrap(content.description, helpWidth), ""]
    : [];
  return [
    `Usage: ${content.usage}`,
    "",
    ...description,
    ...list("Arguments:", content.arguments),
    ...list("Options:", content.options),
    ...list("Commands:", content.commands),
  ].join("\n");
}

/** The option's description with its default: `at most this many rows (default: 200)`. */
export function optionDescription(option: Option): string {
  const showDefault = option.defaultValue !== undefined &&
    (option.required || option.optional ||
      (option.isBoolean() && typeof option.defaultValue === "boolean"));
  if (!showDefault) return option.description;
  const extra = `(default: ${JSON.stringify(option.defaultValue)})`;
  return option.description ? `${option.description} ${extra}` : extra;
}

function formatItem(item: HelpItem, termWidth: number, helpWidth: number): string {
  const indent = " ".repeat(INDENT);
  if (!item.description) return indent + item.term;
  const remaining = helpWidth - termWidth - SPACER - INDENT;
  // A description with its own indented line breaks is left as written.
  const description = remaining < MIN_WIDTH_TO_WRAP || /\n[^\S\r\n]/.test(item.description)
    ? item.description
    : boxWrap(item.description, remaining).replace(/\n/g, "\n" + " ".repeat(termWidth + SPACER));
  return indent + item.term.padEnd(termWidth) + " ".repeat(SPACER) +
    description.replace(/\n/g, `\n${indent}`);
}

/** Wraps at whitespace to `width`, keeping existing line breaks. */
export function boxWrap(text: string, width: number): string {
  if (width < MIN_WIDTH_TO_WRAP) return text;
  const wrapped: string[] = [];
  for (const line of text.split(/\r\n|\n/)) {
    const chunks = line.match(/[\s]*[^\s]+/g);
    if (chunks === null) {
      wrapped.push("");
      continue;
    }
    let current = [chunks.shift()!];
    let currentWidth = current[0]!.length;
    for (const chunk of chunks) {
      if (currentWidth + chunk.length <= width) {
        current.push(chunk);
        currentWidth += chunk.length;
        continue;
      }
      wrapped.push(current.join(""));
      const next = chunk.trimStart();
      current = [next];
      currentWidth = next.length;
    }
    wrapped.push(current.join(""));
  }
  return wrapped.join("\n");
}
