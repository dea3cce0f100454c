import assert from "node:assert/strict";
import { boxWrap, formatHelp, optionDescription } from "./help_text.ts";
import { Option } from "./option.ts";

Deno.test("boxWrap() wraps at spaces and keeps line breaks; it leaves narrow columns alone", () => {
  const text = "one two three four five six seven eight nine ten eleven twelve";
  assert.equal(
    boxWrap(text, 40),
    "one two three four five six seven eight\nnine ten eleven twelve",
  );
  assert.equal(boxWrap("a\n\nb", 40), "a\n\nb");
  assert.equal(boxWrap(text, 39), text);
});

Deno.test("formatHelp() aligns every list on the widest term and wraps descriptions", () => {
  const help = formatHelp({
    usage: "molq demo [options] <x>",
    description: "Does a thing",
    arguments: [{ term: "x", description: "the thing" }],
    options: [
      { term: "--long-option <value>", description: "word ".repeat(15).trim() },
      { term: "-h, --help", description: "display help for command" },
    ],
    commands: [],
  }, 80);
  assert.equal(
    help,
    `Usage: molq demo [options] <x>

Does a thing

Arguments:
  x                      the thing

Options:
  --long-option <value>  word word word word word word word word word word word
                         word word word word
  -h, --help             display help for command
`,
  );
});

Deno.test("optionDescription() shows the default of an option that takes a value", () => {
  const limit = new Option("--limit <n>", "at most this many rows");
  limit.defaultValue = 200;
  assert.equal(optionDescription(limit), "at most this many rows (default: 200)");
  const interval = new Option("--interval <duration>", "between passes");
  interval.defaultValue = "5m";
  assert.equal(optionDescription(interval), 'between passes (default: "5m")');
  const flag = new Option("--all", "everything");
  flag.defaultValue = "x";
  assert.equal(optionDescription(flag), "everything");
});
