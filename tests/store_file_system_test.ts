/** A store whose file system molq cannot identify: a clear warning, the safe journal, no loss. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { sandbox } from "./_molq.ts";

Deno.test("a store on a file system molq cannot identify uses the rollback journal and says why", async () => {
  const box = sandbox();
  // Without `cat`, the mount table cannot be read: the file system is unknown.
  const empty = Deno.makeTempDirSync({ prefix: "molq-no-path-" });
  const result = await box.molq(["list"], { env: { PATH: empty } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stderr,
    /^molq: Cannot tell which file system holds the molq store \S+ \(.+\); using SQLite's rollback journal, which is safe everywhere\.\n$/,
  );
  assert.doesNotMatch(result.stderr, /\bat .*\.ts:\d+/, "no stack trace");
  const db = new DatabaseSync(join(box.home, "jobs.db"), { readOnly: true });
  const mode = db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
  db.close();
  assert.equal(mode.journal_mode, "delete");
  // With the mount table readable again, the same store is a local one: WAL, no warning.
  const again = await box.molq(["list"]);
  assert.equal(again.stderr, "");
});
