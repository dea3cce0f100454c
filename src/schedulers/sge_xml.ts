/**
 * A small, strict XML reader for `qstat -xml`: elements, attributes, text, the five named
 * entities and character references, CDATA, comments and processing instructions. No
 * DTDs and no namespace handling (prefixes stay part of names). Anything malformed throws,
 * so a cut-off or garbled answer is never read as "no jobs".
 */
import { MolqError } from "../core/errors.ts";

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (CDATA included), entities decoded, not trimmed. */
  text: string;
}

const TOKEN =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!DOCTYPE[^>]*>|<\/([^\s>]+)\s*>|<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
const ATTRIBUTE = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** The document's root element. */
export function parseXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  for (const match of text.matchAll(TOKEN)) {
    const [, cdata, closing, opening, attributes, selfClosing, chars, stray] = match;
    const top = stack.at(-1);
    if (stray !== undefined) throw malformed("a stray '<'");
    if (cdata !== undefined || chars !== undefined) {
      if (top) top.text += cdata ?? decodeEntities(chars!);
      else if (chars !== undefined && chars.trim() !== "") throw malformed("text outside the root");
    } else if (closing !== undefined) {
      if (!top || top.name !== closing) throw malformed(`an unexpected </${closing}>`);
      stack.pop();
    } else if (opening !== undefined) {
      if (root && stack.length === 0) throw malformed("a second root element");
      const element: XmlElement = {
        name: opening,
        attributes: readAttributes(attributes ?? ""),
        children: [],
        text: "",
      };
      if (top) top.children.push(element);
      else root = element;
      if (selfClosing !== "/") stack.push(element);
    }
  }
  if (!root) throw malformed("no root element");
  if (stack.length > 0) throw malformed(`<${stack.at(-1)!.name}> is never closed`);
  return root;
}

/** Direct children named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** The trimmed text of the first direct child named `name`, or null. */
export function childText(element: XmlElement, name: string): string | null {
  const child = element.children.find((c) => c.name === name);
  return child ? child.text.trim() : null;
}

/** Every element named `name` at any depth, in document order. */
export function descendantsNamed(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (const child of element.children) {
    if (child.name === name) found.push(child);
    found.push(...descendantsNamed(child, name));
  }
  return found;
}

function readAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [, name, double, single] of text.matchAll(ATTRIBUTE)) {
    attributes[name!] = decodeEntities(double ?? single ?? "");
  }
  return attributes;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(Number(ref.slice(1)));
    return NAMED[ref] ?? whole;
  });
}

function malformed(what: string): MolqError {
  return new MolqError(`Cannot read the XML: ${what}.`);
}
