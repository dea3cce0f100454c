/** A JSON array printed element by element, exactly as `JSON.stringify(array, null, 2)` prints it. */

/** The array's text in pieces (each may span lines), for values that arrive one at a time. */
export function* jsonArrayLines<T>(
  items: Iterable<T>,
  toJson: (item: T) => unknown,
): Generator<string> {
  let previous: string | null = null;
  for (const item of items) {
    if (previous === null) yield "[";
    else yield `${previous},`;
    // JSON strings hold no raw line breaks, so indenting every line indents the element.
    previous = "  " + JSON.stringify(toJson(item), null, 2).replaceAll("\n", "\n  ");
  }
  if (previous === null) {
    yield "[]";
  } else {
    yield previous;
    yield "]";
  }
}
