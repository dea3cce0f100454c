import assert from "node:assert/strict";
import { join } from "node:path";
import { JobStore } from "./job_store.ts";
import { StoreConnectionLedger } from "./ssh_links.ts";

const T = 1_700_000_000_000;

function ledgers(): [StoreConnectionLedger, StoreConnectionLedger] {
  const path = join(Deno.makeTempDirSync({ prefix: "molq-links-" }), "jobs.db");
  return [
    new StoreConnectionLedger(JobStore.open(path)),
    new StoreConnectionLedger(JobStore.open(path)),
  ];
}

Deno.test("StoreConnectionLedger lets one process of many open a connection per interval", () => {
  const [a, b] = ledgers();
  assert.equal(a.claimConnect("hpc", T, 15_000), true);
  assert.equal(b.claimConnect("hpc", T + 1_000, 15_000), false, "another process is refused");
  assert.equal(b.claimConnect("other", T + 1_000, 15_000), true, "per cluster");
  assert.equal(b.claimConnect("hpc", T + 15_000, 15_000), true);
  assert.equal(a.connectsSince("hpc", T - 1), 2);
  assert.equal(a.readLink("hpc").lastConnectAt, T + 15_000);
});

Deno.test("StoreConnectionLedger remembers session limits and link states across processes", () => {
  const [a, b] = ledgers();
  a.recordSessionLimit("hpc", 2);
  assert.equal(b.readLink("hpc").sessionLimit, 2);
  a.recordLinkState("hpc", "unreachable", "Connection refused", T);
  a.recordLinkState("hpc", "unreachable", "Connection refused", T + 60_000);
  const link = b.readLink("hpc");
  assert.equal(link.linkState, "unreachable");
  assert.equal(link.linkErrorAt, T, "unreachable since the first failure");
  b.recordLinkState("hpc", "ok", null, T + 120_000);
  assert.deepEqual(
    { ...a.readLink("hpc"), lastConnectAt: null },
    { lastConnectAt: null, sessionLimit: 2, linkState: "ok", linkError: null, linkErrorAt: null },
  );
  a.recordConnect("hpc", T);
  assert.equal(b.connectsSince("hpc", T - 1), 1);
});
