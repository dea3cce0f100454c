import assert from "node:assert/strict";
import { join } from "node:path";
import { JobStore } from "./job_store.ts";
import {
  acquirePollLease,
  clusterPollInfo,
  releasePollLease,
  renewPollLease,
} from "./cluster_polls.ts";

function tempStore(): JobStore {
  return JobStore.open(join(Deno.makeTempDirSync({ prefix: "molq-polls-" }), "jobs.db"));
}

const T = 1_700_000_000_000;
const lease = (store: JobStore, owner: string, now: number, force = false, host = "login1") =>
  acquirePollLease(store, "hpc", "slurm", { owner, host, pid: 42 }, {
    minIntervalMs: 10_000,
    leaseMs: 10_000,
    force,
    now,
  });

Deno.test("acquirePollLease() records the holder's host and pid", () => {
  const store = tempStore();
  lease(store, "a", T, false, "login2");
  const row = store.prepare("SELECT poll_lease_host, poll_lease_pid FROM clusters").get();
  assert.deepEqual({ ...row }, { poll_lease_host: "login2", poll_lease_pid: 42 });
  releasePollLease(store, "hpc", "a", { error: null, commandCalls: 0, now: T + 1 });
  const freed = store.prepare("SELECT poll_lease_host, poll_lease_pid FROM clusters").get();
  assert.deepEqual({ ...freed }, { poll_lease_host: null, poll_lease_pid: null });
});

Deno.test("acquirePollLease() honours another host's lease through a few seconds of clock skew", () => {
  const store = tempStore();
  // login1's lease runs until T + 10 s by login1's clock; login2's clock is 8 s ahead.
  assert.equal(lease(store, "a", T, false, "login1"), "acquired");
  assert.equal(lease(store, "b", T + 10_000 + 8_000, false, "login2"), "busy");
  // The same host's own clock is exact: no margin for it.
  assert.equal(lease(store, "c", T + 10_001, false, "login1"), "acquired");
});

Deno.test("acquirePollLease() keeps the budget when a host's clock runs behind, and does not trust a wild one", () => {
  const store = tempStore();
  assert.equal(lease(store, "a", T, false, "login1"), "acquired");
  releasePollLease(store, "hpc", "a", { error: null, commandCalls: 1, now: T });
  // login2 is 5 s behind: the poll looks 5 s in the future, and is still recent.
  assert.equal(lease(store, "b", T - 5_000, false, "login2"), "fresh");
  // An hour behind: that clock is not trusted to judge freshness, so it may poll.
  assert.equal(lease(store, "b", T - 3_600_000, false, "login2"), "acquired");
});

Deno.test("acquirePollLease() lets one owner poll, then keeps everyone out for the interval", () => {
  const store = tempStore();
  assert.equal(lease(store, "a", T), "acquired");
  assert.equal(lease(store, "b", T + 1), "busy", "a pass is under way");
  assert.equal(lease(store, "b", T + 1, true), "busy", "force never takes another's lease");
  releasePollLease(store, "hpc", "a", { error: null, commandCalls: 1, now: T + 2_000 });
  assert.equal(lease(store, "b", T + 3_000), "fresh");
  assert.equal(lease(store, "b", T + 3_000, true), "acquired", "force ignores the interval");
  releasePollLease(store, "hpc", "b", { error: null, commandCalls: 1, now: T + 3_000 });
  assert.equal(lease(store, "c", T + 12_999), "fresh");
  assert.equal(lease(store, "c", T + 13_000), "acquired");
  store.close();
});

Deno.test("a crashed owner's lease expires after its length; a renewed one does not", () => {
  const store = tempStore();
  assert.equal(lease(store, "crashed", T), "acquired");
  assert.equal(lease(store, "b", T + 9_999), "busy");
  assert.equal(lease(store, "b", T + 10_000), "acquired", "expired: no release needed");
  assert.equal(renewPollLease(store, "hpc", "crashed", 10_000, T + 10_001), false, "lost it");
  assert.equal(renewPollLease(store, "hpc", "b", 10_000, T + 19_000), true);
  assert.equal(lease(store, "c", T + 25_000), "busy", "b renewed its lease while it runs");
  assert.equal(lease(store, "c", T + 29_000), "acquired");
  store.close();
});

Deno.test("clusterPollInfo() shows the last poll, its error and the calls of the last hour", () => {
  const store = tempStore();
  lease(store, "a", T);
  releasePollLease(store, "hpc", "a", { error: null, commandCalls: 2, now: T });
  lease(store, "a", T + 60_000);
  releasePollLease(store, "hpc", "a", {
    error: "squeue timed out",
    commandCalls: 1,
    now: T + 60_000,
  });
  let [info] = clusterPollInfo(store, T + 60_000);
  assert.deepEqual(info, {
    name: "hpc",
    scheduler: "slurm",
    lastPollAt: T + 60_000,
    lastPollError: "squeue timed out",
    lastPollErrorAt: T + 60_000,
    callsLastHour: 3,
    host: null,
  });
  [info] = clusterPollInfo(store, T + 3_600_000 + 30_000);
  assert.equal(info!.callsLastHour, 1, "calls older than an hour drop out");
  lease(store, "a", T + 120_000);
  releasePollLease(store, "hpc", "a", { error: null, commandCalls: 1, now: T + 120_000 });
  assert.equal(clusterPollInfo(store, T + 120_000)[0]!.lastPollError, null, "cleared by success");
  store.close();
});
