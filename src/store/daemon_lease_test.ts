import assert from "node:assert/strict";
import { join } from "node:path";
import { JobStore } from "./job_store.ts";
import {
  acquireDaemonLease,
  beatDaemonLease,
  type DaemonIdentity,
  type DaemonLeaseRow,
  heartbeatTooOld,
  LeaseWatcher,
  MAX_CLOCK_SKEW_MS,
  readDaemonLease,
  releaseDaemonLease,
  requestDaemonStop,
} from "./daemon_lease.ts";

function tempStore(): JobStore {
  return JobStore.open(join(Deno.makeTempDirSync({ prefix: "molq-lease-" }), "jobs.db"));
}

function daemon(owner: string, host = "login1"): DaemonIdentity {
  return { owner, host, pid: 100, heartbeatMs: 1_000, intervalMs: 5_000, logPath: null };
}

const never = () => false;
const always = () => true;

Deno.test("acquireDaemonLease() gives a free lease to one daemon and refuses the next", () => {
  const store = tempStore();
  try {
    assert.equal(readDaemonLease(store).owner, null);
    assert.equal(acquireDaemonLease(store, daemon("a"), never, 1_000), true);
    assert.equal(acquireDaemonLease(store, daemon("b", "login2"), never, 1_001), false);
    const row = readDaemonLease(store);
    assert.deepEqual([row.owner, row.host, row.pid, row.since, row.beats], [
      "a",
      "login1",
      100,
      1_000,
      0,
    ]);
    // Taking it again is a no-op for the holder.
    assert.equal(acquireDaemonLease(store, daemon("a"), never, 1_002), true);
  } finally {
    store.close();
  }
});

Deno.test("a stale lease goes to the waiter; the old holder's beat then fails", () => {
  const store = tempStore();
  try {
    acquireDaemonLease(store, daemon("a"), never);
    assert.equal(beatDaemonLease(store, "a"), true);
    assert.equal(readDaemonLease(store).beats, 1);
    assert.equal(acquireDaemonLease(store, daemon("b", "login2"), always), true);
    assert.equal(readDaemonLease(store).owner, "b");
    assert.equal(beatDaemonLease(store, "a"), false, "a lost its lease");
    releaseDaemonLease(store, "a");
    assert.equal(readDaemonLease(store).owner, "b", "a cannot release b's lease");
    releaseDaemonLease(store, "b", 9_000);
    const row = readDaemonLease(store);
    assert.deepEqual([row.owner, row.host, row.releasedAt], [null, "login2", 9_000]);
  } finally {
    store.close();
  }
});

Deno.test("acquireDaemonLease() only takes the row it judged (a beat in between wins)", () => {
  const store = tempStore();
  try {
    acquireDaemonLease(store, daemon("a"), never);
    // The judge sees a stale row, but the holder beats before the update lands.
    const won = acquireDaemonLease(store, daemon("b"), () => {
      beatDaemonLease(store, "a");
      return true;
    });
    assert.equal(won, false);
    assert.equal(readDaemonLease(store).owner, "a");
  } finally {
    store.close();
  }
});

Deno.test("requestDaemonStop() counts up the stop generation", () => {
  const store = tempStore();
  try {
    const before = readDaemonLease(store).stopGeneration;
    assert.equal(requestDaemonStop(store), before + 1);
    assert.equal(requestDaemonStop(store), before + 2);
  } finally {
    store.close();
  }
});

function held(overrides: Partial<DaemonLeaseRow> = {}): DaemonLeaseRow {
  return {
    owner: "a",
    host: "login1",
    pid: 100,
    since: 0,
    heartbeat: 100_000,
    beats: 5,
    heartbeatMs: 1_000,
    intervalMs: 5_000,
    logPath: null,
    releasedAt: null,
    stopGeneration: 0,
    ...overrides,
  };
}

Deno.test("LeaseWatcher is stale after two heartbeats without a beat, on its own clock", () => {
  const watcher = new LeaseWatcher();
  // The holder's clock is 4 s behind ours: its heartbeat looks 4 s old, which is not enough.
  const wall = 100_000 + 4_000;
  assert.equal(watcher.isStale(held(), 0, wall), false);
  assert.equal(watcher.isStale(held(), 1_500, wall), false);
  assert.equal(watcher.isStale(held({ beats: 6 }), 1_900, wall), false, "a beat restarts it");
  assert.equal(watcher.isStale(held({ beats: 6 }), 3_800, wall), false);
  assert.equal(watcher.isStale(held({ beats: 6 }), 3_901, wall), true);
  assert.equal(watcher.isStale(held({ owner: "c", beats: 6 }), 3_902, wall), false, "new holder");
  assert.equal(watcher.isStale(held({ owner: null }), 3_903, wall), true, "a free lease");
});

Deno.test("heartbeatTooOld() allows two heartbeats plus the clock skew", () => {
  const row = held();
  assert.equal(heartbeatTooOld(row, 100_000 + 2_000 + MAX_CLOCK_SKEW_MS), false);
  assert.equal(heartbeatTooOld(row, 100_000 + 2_001 + MAX_CLOCK_SKEW_MS), true);
  assert.equal(heartbeatTooOld(held({ heartbeat: null }), 0), true);
  assert.equal(new LeaseWatcher().isStale(row, 0, 100_000 + 60_000), true, "a minute-old lease");
});
