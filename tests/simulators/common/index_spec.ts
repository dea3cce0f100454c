/** Array index specs shared by the simulators: `0-3`, `1-9:2`, `1,3,5-7`, `0-99%10`. */

export interface IndexSpec {
  indices: number[];
  /** How many tasks may run at once (`%N`), or null for no limit. */
  maxRunning: number | null;
}

/** Parses an index spec; throws an Error with a short message when it is malformed. */
export function parseIndexSpec(text: string): IndexSpec {
  const match = /^([\d,:-]+)(?:%(\d+))?$/.exec(text);
  if (!match) throw new Error(`invalid array range ${text}`);
  const indices: number[] = [];
  for (const part of match[1]!.split(",")) {
    const range = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part);
    if (!range) throw new Error(`invalid array range ${text}`);
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    const step = range[3] === undefined ? 1 : Number(range[3]);
    if (last < first || step < 1) throw new Error(`invalid array range ${text}`);
    for (let i = first; i <= last; i += step) if (!indices.includes(i)) indices.push(i);
  }
  const maxRunning = match[2] === undefined ? null : Number(match[2]);
  return { indices: indices.sort((a, b) => a - b), maxRunning };
}
