import assert from "node:assert/strict";
import { MolqError } from "../core/errors.ts";
import {
  BJOBS_FIELDS,
  lsfKey,
  parseBhist,
  parseBjobsDelimited,
  parseBjobsJson,
  parseBsubOutput,
  parseLsfTime,
} from "./lsf_parse.ts";

const sample = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/lsf/${name}`, import.meta.url));
const at = (d: number, h: number, m: number, s: number) => new Date(2026, 10, d, h, m, s).getTime();

Deno.test("parseBsubOutput() reads the job id", () => {
  assert.equal(parseBsubOutput(sample("bsub.txt")), "1234");
  assert.throws(() => parseBsubOutput("Request aborted by esub. Job not submitted.\n"), MolqError);
});

Deno.test("parseBjobsJson() reads records, array elements and not-found errors", () => {
  const { statuses, notFound } = parseBjobsJson(sample("bjobs.json"));
  assert.deepEqual(notFound, ["1299"]);
  assert.deepEqual(statuses.map((s) => [lsfKey(s), s.stat]), [
    ["1201", "DONE"],
    ["1202", "EXIT"],
    ["1203", "EXIT"],
    ["1204", "EXIT"],
    ["1205", "RUN"],
    ["1206", "PEND"],
    ["1207", "UNKWN"],
    ["1208", "ZOMBI"],
    ["1209[1]", "DONE"],
    ["1209[2]", "EXIT"],
  ]);
  const limit = statuses[2]!;
  assert.deepEqual([limit.exitCode, limit.exitReason], [140, "TERM_RUNLIMIT"]);
  assert.equal(limit.startedAt, at(24, 5, 20, 14));
  assert.equal(statuses[0]!.exitCode, null);
  assert.equal(statuses[0]!.outputFile, "/home/alice/.molq/jobs/x/stdout.log");
  assert.equal(statuses[5]!.pendReason, "Job dependency condition not satisfied");
});

Deno.test("parseBjobsJson() rejects garbage and unexpected errors", () => {
  assert.throws(() => parseBjobsJson("LSF is down"), MolqError);
  assert.throws(() => parseBjobsJson('{"COMMAND":"bjobs"}'), MolqError);
  assert.throws(() => parseBjobsJson('{"RECORDS":[{"ERROR":"Failed in an LSF library call"}]}'), {
    message: "bjobs reported an error: Failed in an LSF library call",
  });
});

Deno.test("parseBjobsDelimited() reads the delimiter form with - for empty", () => {
  const statuses = parseBjobsDelimited(
    sample("bjobs_delimited.txt"),
    BJOBS_FIELDS,
    "|",
    at(25, 0, 0, 0),
  );
  assert.deepEqual(statuses.map((s) => [lsfKey(s), s.stat, s.exitCode, s.exitReason]), [
    ["1201", "DONE", null, null],
    ["1203", "EXIT", 140, "TERM_RUNLIMIT"],
    ["1206", "PEND", null, null],
    ["1209[2]", "EXIT", 5, null],
  ]);
  assert.equal(statuses[3]!.startedAt, at(24, 5, 20, 14)); // no year: the most recent Nov 24
  assert.throws(() => parseBjobsDelimited("1|2", BJOBS_FIELDS, "|"), MolqError);
});

Deno.test("parseLsfTime() reads LSF's short forms", () => {
  const now = new Date(2026, 0, 10).getTime();
  assert.equal(parseLsfTime("Dec 31 23:59", now), new Date(2025, 11, 31, 23, 59).getTime());
  assert.equal(parseLsfTime("Nov 24 07:20:14 2026 E", now), at(24, 7, 20, 14));
  assert.equal(parseLsfTime("Tue Nov 24 05:20:13 2026", now), at(24, 5, 20, 13));
  assert.equal(parseLsfTime("-", now), null);
});

Deno.test("parseBhist() unwraps 80-column lines and reads final events", () => {
  const statuses = parseBhist(sample("bhist_l.txt"));
  assert.deepEqual(statuses.map((s) => [lsfKey(s), s.stat, s.exitCode, s.exitReason]), [
    ["1301", "DONE", null, null],
    ["1302", "EXIT", 140, "TERM_RUNLIMIT"],
    ["1303[2]", "EXIT", 5, null],
    ["1304", "", null, null],
  ]);
  assert.equal(statuses[0]!.outputFile, "/home/alice/.molq/jobs/x/stdout.log");
  assert.equal(statuses[0]!.errorFile, "/home/alice/.molq/jobs/x/stderr.log");
  assert.deepEqual([statuses[0]!.startedAt, statuses[0]!.finishedAt], [
    at(24, 5, 20, 14),
    at(24, 5, 20, 24),
  ]);
  assert.throws(() => parseBhist("segfault\n"), MolqError);
});
