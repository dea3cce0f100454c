import assert from "node:assert/strict";
import { sshFailureReason, sshFailureState } from "./ssh_failure.ts";

// Captured from OpenSSH 9.2 (Debian 12) against scripts/sshd-dev.sh.
const REFUSED = "ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n";
const NO_MASTER = "molq: no master connection is open\n" +
  "kex_exchange_identification: Connection closed by remote host\n" +
  "Connection closed by UNKNOWN port 65535\n";
const DENIED = "Pseudo-terminal will not be allocated because stdin is not a terminal.\n" +
  "molqcluster@127.0.0.1: Permission denied (publickey).\n";
const HOST_KEY = "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested " +
  "strict checking.\nHost key verification failed.\n";

Deno.test("sshFailureReason() picks the line that explains the failure", () => {
  assert.equal(
    sshFailureReason(REFUSED),
    "ssh: connect to host 127.0.0.1 port 1: Connection refused",
  );
  assert.equal(sshFailureReason(NO_MASTER), "molq: no master connection is open");
  assert.equal(sshFailureReason(DENIED), "molqcluster@127.0.0.1: Permission denied (publickey).");
  assert.equal(sshFailureReason(HOST_KEY), "Host key verification failed.");
  assert.equal(sshFailureReason("Connection closed by UNKNOWN port 65535\n"), "");
});

Deno.test("sshFailureState() tells a failed login from an unreachable host", () => {
  assert.equal(sshFailureState(DENIED), "needs-login");
  assert.equal(sshFailureState(HOST_KEY), "needs-login");
  assert.equal(sshFailureState(REFUSED), "unreachable");
  assert.equal(sshFailureState(NO_MASTER), "unreachable");
});
