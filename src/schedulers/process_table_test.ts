import assert from "node:assert/strict";
import { parsePsOutput } from "./process_table.ts";

Deno.test("parsePsOutput() reads pids, groups and command lines, skipping zombies", () => {
  const table = parsePsOutput(
    "    1     1 Ss   /sbin/init\n  200   200 Ss   /bin/sh /tmp/jobs/abc/job.sh\n  201   200 S    sleep 30\n  300   300 Z    [sh] <defunct>\n",
  );
  assert.equal(table.commandLine(200), "/bin/sh /tmp/jobs/abc/job.sh");
  assert.equal(table.groupAlive(200), true);
  assert.equal(table.commandLine(300), undefined);
  assert.equal(table.groupAlive(300), false);
  assert.equal(table.groupAlive(999), false);
});
