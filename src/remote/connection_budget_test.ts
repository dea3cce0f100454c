import assert from "node:assert/strict";
import {
  connectDecision,
  deriveLinkDisplay,
  describeLinkDisplay,
  halvedSessionLimit,
  isSessionRefused,
  type LinkRecord,
  nextLinkRecord,
  sessionLimit,
} from "./connection_budget.ts";
import { EMPTY_LINK } from "./connection_ledger.ts";

Deno.test("connectDecision() allows one new connection per 15 s", () => {
  assert.deepEqual(connectDecision(null, 1_000_000), { allowed: true });
  assert.deepEqual(connectDecision(1_000_000, 1_000_000), { allowed: false, retryInMs: 15_000 });
  assert.deepEqual(connectDecision(1_000_000, 1_014_999), { allowed: false, retryInMs: 1 });
  assert.deepEqual(connectDecision(1_000_000, 1_015_000), { allowed: true });
});

Deno.test("connectDecision() is not blocked forever by a clock set back", () => {
  assert.deepEqual(connectDecision(1_005_000, 1_000_000), { allowed: false, retryInMs: 15_000 });
  assert.deepEqual(connectDecision(2_000_000, 1_000_000), { allowed: true });
});

Deno.test("sessionLimit() is 4 by default and stays within 1..4", () => {
  assert.equal(sessionLimit(null), 4);
  assert.equal(sessionLimit(2), 2);
  assert.equal(sessionLimit(0), 1);
  assert.equal(sessionLimit(99), 4);
  assert.equal(sessionLimit(2.5), 4);
});

Deno.test("halvedSessionLimit() halves down to 1", () => {
  assert.deepEqual([4, 3, 2, 1].map(halvedSessionLimit), [2, 1, 1, 1]);
});

Deno.test("isSessionRefused() recognises ssh's refusal of a multiplexed session", () => {
  // Captured from OpenSSH 9.2 against sshd with MaxSessions 1.
  assert.ok(isSessionRefused(
    "mux_client_request_session: session request failed: Session open refused by peer\n",
  ));
  assert.ok(!isSessionRefused("ssh: connect to host 127.0.0.1 port 1: Connection refused\n"));
});

Deno.test("nextLinkRecord() keeps the start of an outage and clears it on success", () => {
  const first = nextLinkRecord(EMPTY_LINK, "unreachable", "Connection refused", 1000);
  assert.equal(first.linkErrorAt, 1000);
  const again = nextLinkRecord(first, "unreachable", "Connection timed out", 5000);
  assert.equal(again.linkErrorAt, 1000);
  assert.equal(again.linkError, "Connection timed out");
  const login = nextLinkRecord(again, "needs-login", "Permission denied", 6000);
  assert.equal(login.linkErrorAt, 6000);
  const ok = nextLinkRecord(login, "ok", null, 7000);
  assert.deepEqual(ok, { ...login, linkState: "ok", linkError: null, linkErrorAt: null });
});

Deno.test("deriveLinkDisplay() shows connected, needs login, unreachable since T, ok", () => {
  const down: LinkRecord = { ...EMPTY_LINK, linkState: "unreachable", linkErrorAt: 1000 };
  assert.deepEqual(deriveLinkDisplay(true, "interactive", down), { state: "connected" });
  assert.equal(deriveLinkDisplay(false, "interactive", EMPTY_LINK).state, "needs login");
  assert.equal(deriveLinkDisplay(false, "interactive", down).state, "needs login");
  assert.deepEqual(deriveLinkDisplay(false, "batch", down), {
    state: "unreachable",
    since: 1000,
    error: null,
  });
  const denied: LinkRecord = { ...EMPTY_LINK, linkState: "needs-login", linkError: "denied" };
  assert.deepEqual(deriveLinkDisplay(false, "batch", denied), {
    state: "needs login",
    error: "denied",
  });
  assert.deepEqual(deriveLinkDisplay(false, "batch", EMPTY_LINK), { state: "ok" });
});

Deno.test("describeLinkDisplay() says since when a link is unreachable", () => {
  const since = Date.UTC(2025, 0, 2, 3, 4);
  assert.equal(
    describeLinkDisplay({ state: "unreachable", since, error: null }),
    "unreachable since 2025-01-02 03:04",
  );
  assert.equal(describeLinkDisplay({ state: "needs login", error: null }), "needs login");
});
