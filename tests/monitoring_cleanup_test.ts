/** End to end: `molq cleanup` with SPEC §6 defaults, dry run first. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { JobStore } from "../src/store/job_store.ts";
import { sandbox } from "./_molq.ts";
import { exists } from "../src/testing/exists.ts";

type Json = Record<string, unknown>;
const DAY = 86_400_000;

Deno.test("cleanup --dry-run reports, cleanup removes old dirs and records, keeping failed dirs", async () => {
  const box = sandbox();
  const run = async (command: string[], wait = true) => {
    const result = await box.molq([
      "submit",
      "local",
      ...(wait ? ["--wait"] : []),
      "--json",
      "--",
      ...command,
    ]);
    const json = JSON.parse(result.stdout);
    return (Array.isArray(json) ? json[0] : json).job_id as string;
  };
  const oldOk = await run(["true"]);
  const failedId = await run(["sh", "-c", "echo oops; exit 1"]);
  const ancient = await run(["true"]);
  const running = await run(["sleep", "60"], false);
  const recent = await run(["true"]);
  // Age the finished jobs: 40 days (directories due), 100 days (records due).
  const store = JobStore.open(join(box.home, "jobs.db"));
  const age = (id: string, days: number) =>
    store.prepare("UPDATE jobs SET finished_at = ? WHERE job_id = ?").run(
      Date.now() - days * DAY,
      id,
    );
  age(oldOk, 40);
  age(failedId, 40);
  age(ancient, 100);
  store.close();
  const dir = (id: string) => join(box.cwd, ".molq", "jobs", id);

  const dry = await box.molq(["cleanup", "--dry-run"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(
    dry.stdout,
    /^Would remove 2 job directories \([\d.]+K?B\) and 1 record\.\nKept 1 old directory of failed jobs/,
  );
  for (const id of [oldOk, failedId, ancient, running, recent]) assert.ok(exists(dir(id)));

  const json = await box.json<Json>(["cleanup"]);
  assert.equal(json.dry_run, false);
  assert.equal((json.directories as Json).count, 2);
  assert.ok(((json.directories as Json).bytes as number) > 0);
  assert.deepEqual(json.records, { count: 1 });
  assert.equal(json.kept_failed_directories, 1);
  assert.deepEqual(
    [oldOk, failedId, ancient, running, recent].map((id) => exists(dir(id))),
    [false, true, false, true, true],
  );
  const all = (await box.json<Json[]>(["list", "--all"])).map((r) => r.job_id);
  assert.ok(!all.includes(ancient) && all.includes(oldOk) && all.includes(running));

  const rest = await box.molq(["cleanup", "--no-keep-failed-dirs", "--dirs-older-than", "30d"]);
  assert.equal(rest.code, 0, rest.stderr);
  assert.match(rest.stdout, /^Removed 1 job directory \([\d.]+K?B\) and 0 records\.\n$/);
  assert.ok(!exists(dir(failedId)) && exists(dir(running)));
  assert.equal((await box.molq(["cancel", running])).code, 0);
});

Deno.test("cleanup rejects a bad duration with a usage error", async () => {
  const box = sandbox();
  const result = await box.molq(["cleanup", "--dirs-older-than", "soon"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^molq: Invalid --dirs-older-than "soon"/);
});
