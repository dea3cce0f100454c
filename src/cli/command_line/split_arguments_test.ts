import assert from "node:assert/strict";
import { Option } from "./option.ts";
import { type OptionLookup, splitArguments } from "./split_arguments.ts";

const options = [
  new Option("--db <path>"),
  new Option("-n, --limit <n>"),
  new Option("-q, --quiet"),
  new Option("-a, --all"),
  new Option("--color [when]"),
];
const lookup = (extra: Partial<OptionLookup> = {}): OptionLookup => ({
  findOption: (flag) => options.find((o) => o.is(flag)),
  hasSubcommands: true,
  digitShortFlag: false,
  ...extra,
});
const given = (args: string[], extra?: Partial<OptionLookup>) => {
  const split = splitArguments(args, lookup(extra));
  return {
    ...split,
    assignments: split.assignments.map((a) => [a.option.name(), a.value]),
    missingValue: split.missingValue?.name() ?? null,
  };
};

Deno.test("splitArguments() takes known options anywhere and keeps operands in order", () => {
  assert.deepEqual(given(["list", "--db", "x.db", "slurm", "-q"]), {
    operands: ["list", "slurm"],
    unknown: [],
    assignments: [["db", "x.db"], ["quiet", undefined]],
    missingValue: null,
  });
});

Deno.test("splitArguments() leaves the first unknown option and everything after it", () => {
  assert.deepEqual(given(["list", "--json", "slurm", "--db", "x.db"]), {
    operands: ["list"],
    unknown: ["--json", "slurm"],
    assignments: [["db", "x.db"]],
    missingValue: null,
  });
});

Deno.test("splitArguments() reads --opt=value, -n5 and flag groups like -qa", () => {
  assert.deepEqual(given(["--db=a=b", "-n5", "-qa", "--limit="]).assignments, [
    ["db", "a=b"],
    ["limit", "5"],
    ["quiet", undefined],
    ["all", undefined],
    ["limit", ""],
  ]);
  // A group with an unknown letter: the rest of the group is an unknown option.
  assert.deepEqual(given(["-qz"]).unknown, ["-z"]);
});

Deno.test("splitArguments() gives a required value even when it looks like an option", () => {
  assert.deepEqual(given(["--limit", "--all"]).assignments, [["limit", "--all"]]);
  assert.equal(given(["x", "--limit"]).missingValue, "limit");
});

Deno.test("splitArguments() gives an optional value only when one follows", () => {
  assert.deepEqual(given(["--color", "--all"]).assignments, [["color", null], ["all", undefined]]);
  assert.deepEqual(given(["--color", "never"]).assignments, [["color", "never"]]);
  assert.deepEqual(given(["--color", "-5"]).assignments, [["color", "-5"]]);
});

Deno.test("splitArguments() treats -5 as an operand only in a command without subcommands", () => {
  assert.deepEqual(given(["-5"]).unknown, ["-5"]);
  assert.deepEqual(given(["-5"], { hasSubcommands: false }).operands, ["-5"]);
  assert.deepEqual(given(["-5"], { hasSubcommands: false, digitShortFlag: true }).unknown, ["-5"]);
});

Deno.test("splitArguments() passes everything after -- through", () => {
  assert.deepEqual(given(["a", "--", "-q", "b"]).operands, ["a", "-q", "b"]);
  assert.deepEqual(given(["--x", "--", "-q"]).unknown, ["--x", "--", "-q"]);
});
