import assert from "node:assert/strict";
import { bareMemNote } from "./mem_note.ts";

Deno.test("bareMemNote() notes a bare --mem too small to be bytes, for batch schedulers", () => {
  assert.equal(
    bareMemNote("1024", "slurm"),
    "--mem 1024 means 1024 bytes; write 1024M for mebibytes.",
  );
  assert.equal(bareMemNote(" 64 ", "pbs"), "--mem 64 means 64 bytes; write 64M for mebibytes.");
  assert.equal(bareMemNote("1048576", "slurm"), null, "a mebibyte of bytes is plausibly meant");
  assert.equal(bareMemNote("512M", "slurm"), null);
  assert.equal(bareMemNote("1024", "local"), null, "local jobs take no --mem at all");
  assert.equal(bareMemNote(undefined, "sge"), null);
});
