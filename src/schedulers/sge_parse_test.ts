import assert from "node:assert/strict";
import { MolqError } from "../core/errors.ts";
import {
  expandTaskList,
  parseQstatJobErrors,
  parseQstatTime,
  parseQstatXml,
  parseQsubOutput,
} from "./sge_parse.ts";

const sample = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/sge/${name}`, import.meta.url));

Deno.test("parseQsubOutput() reads -terse ids and the submitted sentences SoGE prints", () => {
  assert.deepEqual(parseQsubOutput(sample("qsub-soge-terse.txt")), {
    jobNumber: "14",
    tasks: null,
  });
  assert.deepEqual(parseQsubOutput(sample("qsub-soge-terse-array.txt")), {
    jobNumber: "15",
    tasks: "1-4:1",
  });
  assert.deepEqual(parseQsubOutput(sample("qsub-soge.txt")), { jobNumber: "16", tasks: null });
  assert.deepEqual(parseQsubOutput(sample("qsub-soge-array.txt")), {
    jobNumber: "17",
    tasks: "2-10:2",
  });
  // A site's qsub wrapper may print a banner first.
  assert.deepEqual(parseQsubOutput("Welcome to the cluster\n4711\n"), {
    jobNumber: "4711",
    tasks: null,
  });
  assert.throws(() => parseQsubOutput(""), MolqError);
  assert.throws(() => parseQsubOutput(sample("qsub-soge-rejected.stderr")), MolqError);
});

Deno.test("parseQstatXml() reads running, pending, error and held jobs and array tasks (SoGE)", () => {
  const entries = parseQstatXml(sample("qstat-xml-soge-mixed.xml"));
  assert.deepEqual(
    entries.map((e) => [e.jobNumber, e.state, e.listedAs, e.slots, e.queue, e.tasks]),
    [
      ["5", "r", "running", 1, "all.q@vm", null],
      ["6", "r", "running", 2, "all.q@vm", null],
      ["8", "Eqw", "pending", 1, null, null],
      ["7", "hqw", "pending", 1, null, null],
      ["9", "hqw", "pending", 1, null, null],
    ],
  );
  assert.equal(entries[0]!.name, "tlimit");
  assert.equal(entries[0]!.owner, "root");
  assert.equal(entries[0]!.startedAt, new Date(2026, 11, 1, 23, 48, 9).getTime());
  assert.equal(entries[0]!.submittedAt, null);
  assert.equal(entries[2]!.submittedAt, new Date(2026, 11, 1, 23, 48, 9).getTime());
  assert.equal(entries[2]!.startedAt, null);
  const arrays = parseQstatXml(sample("qstat-xml-soge-array-suspended-deleting.xml"));
  assert.deepEqual(arrays.map((e) => [e.jobNumber, e.state, e.tasks]), [
    ["32", "dr", "1"],
    ["32", "dr", "2"],
    ["32", "dr", "3"],
    ["32", "dr", "4"],
    ["33", "qw", null],
    ["34", "hqw", "2-6:2"],
  ]);
  assert.deepEqual(parseQstatXml(sample("qstat-xml-soge-suspended.xml")).map((e) => e.state), [
    "s",
  ]);
  assert.deepEqual(parseQstatXml(sample("qstat-xml-soge-empty.xml")), []);
});

Deno.test("parseQstatXml() reads the documented SGE 6.2 and Univa forms whatever their schema URL", () => {
  const old = parseQstatXml(sample("qstat-xml-sge62-doc.xml"));
  assert.deepEqual(old.map((e) => [e.jobNumber, e.state, e.tasks]), [
    ["4711", "r", null],
    ["4712", "Rr", "7"],
    ["4712", "qw", "8-10:1"],
    ["4713", "hqw", null],
  ]);
  assert.equal(old[0]!.name, "sim & fit");
  const univa = parseQstatXml(sample("qstat-xml-univa-doc.xml"));
  assert.deepEqual(univa.map((e) => [e.jobNumber, e.state, e.slots]), [
    ["30201", "S", 8],
    ["30202", "dr", 1],
    ["30203", "Eqw", 1],
  ]);
  assert.equal(univa[0]!.startedAt, new Date(2019, 2, 29, 11, 17, 26, 283).getTime());
});

Deno.test("parseQstatXml() refuses what is not a complete job list", () => {
  const cut = sample("qstat-xml-soge-mixed.xml").slice(0, 700);
  for (
    const bad of [
      "",
      cut,
      sample("qstat-soge-qmaster-down.stderr"),
      "<other/>",
      "<job_info><queue_info><job_list><state>r</state></job_list></queue_info></job_info>",
    ]
  ) {
    assert.throws(() => parseQstatXml(bad), MolqError, bad.slice(0, 40));
  }
});

Deno.test("parseQstatTime() reads qstat's zone-less local times, with or without milliseconds", () => {
  assert.equal(parseQstatTime("2026-12-01T23:48:09"), new Date(2026, 11, 1, 23, 48, 9).getTime());
  assert.equal(
    parseQstatTime("2019-03-29T11:17:26.5"),
    new Date(2019, 2, 29, 11, 17, 26, 500).getTime(),
  );
  assert.equal(parseQstatTime(""), null);
  assert.equal(parseQstatTime(null), null);
  assert.equal(parseQstatTime("12/01/2026 23:48:09"), null);
});

Deno.test("expandTaskList() expands single ids, stepped ranges and lists, and not huge ones", () => {
  assert.deepEqual(expandTaskList("3"), ["3"]);
  assert.deepEqual(expandTaskList("5-10:1"), ["5", "6", "7", "8", "9", "10"]);
  assert.deepEqual(expandTaskList("2-6:2"), ["2", "4", "6"]);
  assert.deepEqual(expandTaskList("1,3"), ["1", "3"]);
  assert.deepEqual(expandTaskList("1-3:1,7"), ["1", "2", "3", "7"]);
  assert.equal(expandTaskList("1-75000:1"), null);
  assert.equal(expandTaskList("1-20", 10), null);
  assert.equal(expandTaskList("a-b"), null);
  assert.equal(expandTaskList("5-1"), null);
});

Deno.test("parseQstatJobErrors() reads each job's error reasons without date and pid", () => {
  const reasons = parseQstatJobErrors(sample("qstat-j-soge-eqw.txt"));
  assert.deepEqual([...reasons.get("8")!], [[
    "1",
    'error: can\'t open output file "/nonexistent/dir/out": No such file or directory',
  ]]);
  const many = parseQstatJobErrors(
    [
      "==============================================================",
      "job_number:                 40",
      "error reason    2:          01/02/2026 10:00:00 [1000:12]: error: can't chdir to /gone",
      "error reason    5:          01/02/2026 10:00:01 [1000:13]: error: can't chdir to /gone",
      "==============================================================",
      "job_number:                 41",
      "scheduling info:            Job is in error state",
    ].join("\n"),
  );
  assert.deepEqual([...many.get("40")!.keys()], ["2", "5"]);
  assert.equal(many.get("40")!.get("5"), "error: can't chdir to /gone");
  assert.equal(many.has("41"), false);
  assert.equal(parseQstatJobErrors(sample("qstat-j-soge-missing.stderr")).size, 0);
});
