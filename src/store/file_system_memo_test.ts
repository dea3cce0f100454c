import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "../core/paths.ts";
import { JobStore } from "./job_store.ts";
import { FILE_SYSTEM_MEMO_MS, storeFileSystem } from "./file_system_memo.ts";

Deno.test("a store remembers its file system per host for an hour, for the same directory only", () => {
  const dir = Deno.makeTempDirSync({ prefix: "molq-fs-memo-" });
  const path = join(dir, "jobs.db");
  try {
    JobStore.open(path).close(); // created: detected, then remembered
    const db = new DatabaseSync(path);
    try {
      const now = Date.now();
      const first = storeFileSystem(db, dir, true, now);
      assert.equal(first.memo, true, "the second open reads no mount table");
      assert.equal(typeof first.fileSystem, "object");
      const stale = storeFileSystem(db, dir, true, now + FILE_SYSTEM_MEMO_MS + 1);
      assert.equal(stale.memo, false, "an hour later it looks again");
      assert.deepEqual(stale.fileSystem, first.fileSystem);
      // Another directory at the same path (moved, or a file system mounted over it).
      const key = `file_system@${Deno.hostname()}`;
      const row = db.prepare("SELECT value FROM store_meta WHERE key = ?").get(key)!;
      const memo = JSON.parse(String(row.value));
      db.prepare("UPDATE store_meta SET value = ? WHERE key = ?").run(
        JSON.stringify({ ...memo, ino: memo.ino + 1 }),
        key,
      );
      assert.equal(storeFileSystem(db, dir, true, now).memo, false);
      db.prepare("UPDATE store_meta SET value = 'not json' WHERE key = ?").run(key);
      assert.equal(storeFileSystem(db, dir, true, now).memo, false, "a damaged memo is none");
    } finally {
      db.close();
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
