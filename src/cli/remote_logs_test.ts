import assert from "node:assert/strict";
import { MolqError } from "../core/errors.ts";
import type { Runner } from "../process/runner.ts";
import { readRemoteLog } from "./remote_logs.ts";

/** A runner whose every command answers with this result. */
function answering(code: number, stdout: string, stderr: string): Runner {
  const unused = () => Promise.reject(new Error("not used"));
  return {
    where: 'cluster "far" (ssh far1)',
    remote: true,
    run: () => Promise.resolve({ code, stdout, stderr }),
    writeFile: unused,
    makePrivateDir: unused,
    removeFile: unused,
    startDetached: unused,
  };
}

Deno.test("readRemoteLog(): the text, null for no file, one sentence for a failure", async () => {
  assert.equal(await readRemoteLog(answering(0, "hi\n", ""), "/j/stdout.log"), "hi\n");
  assert.equal(await readRemoteLog(answering(4, "", ""), "/j/stdout.log"), null);
  await assert.rejects(
    readRemoteLog(
      answering(1, "", "cat: /j/stdout.log: Permission denied\nmore\n"),
      "/j/stdout.log",
    ),
    (error: unknown) =>
      error instanceof MolqError &&
      error.message ===
        'Cannot read /j/stdout.log on cluster "far" (ssh far1): cat: /j/stdout.log: Permission denied.',
  );
});
