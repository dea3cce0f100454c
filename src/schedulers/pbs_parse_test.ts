import assert from "node:assert/strict";
import { MolqError } from "../core/errors.ts";
import {
  parsePbsFlavour,
  parsePbsTime,
  parseQstatErrors,
  parseQstatFull,
  parseQstatJson,
  parseQsubOutput,
  pbsArrayOf,
  shortPbsId,
} from "./pbs_parse.ts";

const sample = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/pbs/${name}`, import.meta.url));

Deno.test("parseQsubOutput() reads plain and array ids", () => {
  assert.equal(parseQsubOutput("1234.server\n"), "1234.server");
  assert.equal(parseQsubOutput("1234[].server\n"), "1234[].server");
  assert.throws(() => parseQsubOutput("qsub: warning\n"), MolqError);
});

Deno.test("parsePbsFlavour() tells PBS Pro from Torque by their version lines", () => {
  assert.equal(parsePbsFlavour(sample("qstat_version_pro.txt")), "pro");
  assert.equal(parsePbsFlavour(sample("qstat_version_torque.txt")), "torque");
  assert.equal(parsePbsFlavour("command not found"), null);
});

Deno.test("shortPbsId() and pbsArrayOf() match ids across server suffixes", () => {
  assert.equal(shortPbsId("1234.server.example.org"), "1234");
  assert.equal(shortPbsId("1234[].server"), "1234[]");
  assert.deepEqual(pbsArrayOf("1234[7].server"), { parent: "1234[]", index: "7" });
  assert.equal(pbsArrayOf("1234[].server"), undefined);
});

Deno.test("parseQstatJson() reads state, exit status, comment, times and paths", () => {
  const jobs = new Map(parseQstatJson(sample("qstat_pro_jobs.json")).map((j) => [j.id, j]));
  assert.equal(jobs.size, 8);
  const ok = jobs.get("101.server")!;
  assert.equal(ok.state, "F");
  assert.equal(ok.exitStatus, 0);
  assert.equal(ok.startedAt, new Date(2026, 10, 24, 5, 20, 14).getTime());
  assert.equal(ok.finishedAt, new Date(2026, 10, 24, 5, 20, 24).getTime());
  assert.equal(ok.outputPath, "/home/alice/.molq/jobs/x/stdout.log");
  assert.equal(ok.walltimeLimitSeconds, 120);
  assert.equal(jobs.get("103.server")!.exitStatus, -29);
  assert.equal(jobs.get("106.server")!.state, "H");
  assert.equal(jobs.get("107.server")!.exitStatus, null);
  assert.match(jobs.get("107.server")!.comment!, /dependency/);
});

Deno.test("parseQstatJson() reads an array and its subjobs", () => {
  const jobs = parseQstatJson(sample("qstat_pro_array.json"));
  assert.deepEqual(jobs.map((j) => [j.id, j.state, j.exitStatus]), [
    ["200[].server", "B", null],
    ["200[0].server", "X", 0],
    ["200[1].server", "X", 5],
    ["200[2].server", "R", null],
    ["200[3].server", "Q", null],
  ]);
  assert.equal(jobs[1]!.outputPath, "/home/alice/.molq/jobs/a/stdout.^array_index^.log");
});

Deno.test("parseQstatJson() accepts a document without Jobs and rejects garbage", () => {
  assert.deepEqual(parseQstatJson(sample("qstat_pro_none.json")), []);
  assert.throws(() => parseQstatJson("Segmentation fault"), MolqError);
  assert.throws(() => parseQstatJson('{"Jobs":{"1.server":{"Job_Name":"x"}}}'), MolqError);
  assert.throws(() => parseQstatJson("[1,2]"), MolqError);
});

Deno.test("parseQstatFull() reads Torque's qstat -f -1 blocks", () => {
  const jobs = new Map(parseQstatFull(sample("qstat_torque.txt")).map((j) => [j.id, j]));
  assert.deepEqual([...jobs.keys()], [
    "301.host",
    "302.host",
    "303.host",
    "304.host",
    "305[1].host",
  ]);
  assert.equal(jobs.get("301.host")!.exitStatus, 0);
  assert.equal(jobs.get("301.host")!.finishedAt, new Date(2026, 10, 24, 5, 20, 24).getTime());
  assert.equal(jobs.get("302.host")!.exitStatus, -11);
  assert.equal(jobs.get("303.host")!.state, "R");
  assert.equal(jobs.get("304.host")!.walltimeUsedSeconds, 466);
  assert.equal(jobs.get("304.host")!.walltimeLimitSeconds, 100);
  assert.equal(jobs.get("305[1].host")!.outputPath, "/home/alice/.molq/jobs/v/stdout.log-1");
});

Deno.test("parseQstatFull() rejects output that is not qstat -f", () => {
  assert.deepEqual(parseQstatFull(""), []);
  assert.throws(() => parseQstatFull("<Data><Job></Job></Data>"), MolqError);
  assert.throws(() => parseQstatFull("Job Id: 1.host\n    queue = batch\n"), MolqError);
});

Deno.test("parseQstatErrors() separates unknown ids from real errors", () => {
  assert.deepEqual(parseQstatErrors(sample("qstat_unknown_pro.stderr")), {
    unknown: ["999.server", "998.server"],
    other: [],
  });
  assert.deepEqual(parseQstatErrors(sample("qstat_unknown_torque.stderr")).unknown, ["999.host"]);
  assert.deepEqual(parseQstatErrors("qstat: cannot connect to server pbs (errno=111)\n").other, [
    "qstat: cannot connect to server pbs (errno=111)",
  ]);
});

Deno.test("parsePbsTime() reads ctime strings and epoch seconds", () => {
  assert.equal(parsePbsTime("Wed Mar  3 09:05:01 2021"), new Date(2021, 2, 3, 9, 5, 1).getTime());
  assert.equal(parsePbsTime("1795490424"), 1795490424000);
  assert.equal(parsePbsTime("soon"), null);
});
