import assert from "node:assert/strict";
import { EMPTY_LINK, MemoryConnectionLedger } from "./connection_ledger.ts";

Deno.test("MemoryConnectionLedger claims one connection per interval per cluster", () => {
  const ledger = new MemoryConnectionLedger();
  assert.equal(ledger.claimConnect("a", 1000, 15_000), true);
  assert.equal(ledger.claimConnect("a", 2000, 15_000), false);
  assert.equal(ledger.claimConnect("b", 2000, 15_000), true);
  assert.equal(ledger.claimConnect("a", 16_000, 15_000), true);
  assert.equal(ledger.readLink("a").lastConnectAt, 16_000);
  assert.equal(ledger.connectsSince("a", 0), 2);
  assert.equal(ledger.connectsSince("a", 10_000), 1);
  assert.equal(ledger.connectsSince("c", 0), 0);
});

Deno.test("MemoryConnectionLedger remembers the session limit and the link state", () => {
  const ledger = new MemoryConnectionLedger();
  assert.deepEqual(ledger.readLink("a"), EMPTY_LINK);
  ledger.recordSessionLimit("a", 2);
  ledger.recordLinkState("a", "unreachable", "Connection refused", 500);
  ledger.recordLinkState("a", "unreachable", "Connection refused", 900);
  assert.deepEqual(ledger.readLink("a"), {
    lastConnectAt: null,
    sessionLimit: 2,
    linkState: "unreachable",
    linkError: "Connection refused",
    linkErrorAt: 500,
  });
  // A copy: callers cannot change the ledger behind its back.
  ledger.readLink("a").sessionLimit = 9;
  assert.equal(ledger.readLink("a").sessionLimit, 2);
});

Deno.test("MemoryConnectionLedger records a requested connection, which then blocks claims", () => {
  const ledger = new MemoryConnectionLedger();
  ledger.recordConnect("a", 1000);
  assert.equal(ledger.connectsSince("a", 0), 1);
  assert.equal(ledger.claimConnect("a", 5000, 15_000), false);
  assert.equal(ledger.readLink("a").lastConnectAt, 1000);
});
