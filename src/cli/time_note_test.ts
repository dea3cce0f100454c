import assert from "node:assert/strict";
import { bareTimeNote } from "./time_note.ts";

Deno.test("bareTimeNote() warns about short bare numbers sent to batch schedulers", () => {
  assert.equal(bareTimeNote("60", "slurm"), "--time 60 means 60 seconds; write 60m for minutes.");
  assert.equal(bareTimeNote("599", "pbs"), "--time 599 means 599 seconds; write 599m for minutes.");
  assert.equal(bareTimeNote(" 90 ", "lsf"), "--time 90 means 90 seconds; write 90m for minutes.");
  assert.equal(
    bareTimeNote("1.5", "slurm"),
    "--time 1.5 means 1.5 seconds; write 1.5m for minutes.",
  );
});

Deno.test("bareTimeNote() is silent for units, clock forms, long numbers and local jobs", () => {
  for (const time of ["60s", "60m", "1:00", "00:01:00", "600", "7200", "1d"]) {
    assert.equal(bareTimeNote(time, "slurm"), null, time);
  }
  assert.equal(bareTimeNote("60", "local"), null);
  assert.equal(bareTimeNote(undefined, "slurm"), null);
});
