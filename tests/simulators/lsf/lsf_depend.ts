/**
 * `bsub -w` dependency expressions: `done(ID)`, `exit(ID)`, `ended(ID)`, `started(ID)`
 * joined by `&&`, `||`, `!` and parentheses, evaluated to ok / wait / never.
 */
import { type ElementView, isFinished, parseJobRef } from "./lsf_model.ts";

export type Verdict = "ok" | "wait" | "never";

/** Looks up the elements of a referenced job (all, or one array element). */
export type Lookup = (id: number, index: number | null) => ElementView[] | undefined;

const CONDITIONS = ["done", "exit", "ended", "started"];

/** The job references in an expression, for validation at submission. */
export function referencedJobs(expression: string): string[] {
  return [...expression.matchAll(/\b(\w+)\(\s*"?([^)",]+)"?[^)]*\)/g)].map((m) => m[2]!.trim());
}

export function evaluate(expression: string, lookup: Lookup): Verdict {
  const tokens = expression.match(/&&|\|\||!|\(|\)|\w+\([^)]*\)/g) ?? [];
  let pos = 0;
  const orExpr = (): Verdict => {
    let verdict = andExpr();
    while (tokens[pos] === "||") {
      pos++;
      const right = andExpr();
      verdict = verdict === "ok" || right === "ok"
        ? "ok"
        : verdict === "never" && right === "never"
        ? "never"
        : "wait";
    }
    return verdict;
  };
  const andExpr = (): Verdict => {
    let verdict = factor();
    while (tokens[pos] === "&&") {
      pos++;
      const right = factor();
      verdict = verdict === "never" || right === "never"
        ? "never"
        : verdict === "ok" && right === "ok"
        ? "ok"
        : "wait";
    }
    return verdict;
  };
  const factor = (): Verdict => {
    const token = tokens[pos++];
    if (token === "!") {
      const inner = factor();
      return inner === "ok" ? "never" : inner === "never" ? "ok" : "wait";
    }
    if (token === "(") {
      const inner = orExpr();
      pos++; // ")"
      return inner;
    }
    return condition(token ?? "", lookup);
  };
  return orExpr();
}

function condition(token: string, lookup: Lookup): Verdict {
  const match = /^(\w+)\(\s*"?([^)",]+)"?/.exec(token);
  const ref = match ? parseJobRef(match[2]!) : undefined;
  const elements = ref ? lookup(ref.id, ref.index) : undefined;
  if (!match || !CONDITIONS.includes(match[1]!) || !elements) return "never";
  const done = elements.every(isFinished);
  const stats = elements.map((e) => e.run?.stat);
  switch (match[1]) {
    case "done":
      return stats.every((s) => s === "DONE") ? "ok" : stats.includes("EXIT") ? "never" : "wait";
    case "exit":
      return done && stats.every((s) => s === "EXIT")
        ? "ok"
        : stats.includes("DONE")
        ? "never"
        : "wait";
    case "ended":
      return done ? "ok" : "wait";
    default: {
      const started = elements.some((e) => e.run?.startedAt !== undefined);
      return started ? "ok" : done ? "never" : "wait";
    }
  }
}
