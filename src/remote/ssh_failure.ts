/**
 * What ssh's stderr says about a failure: the one line worth showing, and whether only a
 * new login (`molq connect`) can fix it or the link is simply unreachable.
 */

/** Lines ssh prints that never explain a failure. */
const NOISE = [
  /^Pseudo-terminal will not be allocated/,
  /^Warning: Permanently added/,
  /^Connection closed by UNKNOWN port/,
  /^kex_exchange_identification: Connection closed by remote host$/,
  /^mux_client_request_session: read from master failed/,
  /^debug\d?:/,
];

/** ssh's messages that mean the login itself failed. */
const LOGIN_FAILURES = [
  /Permission denied/,
  /Host key verification failed/,
  /REMOTE HOST IDENTIFICATION HAS CHANGED/,
  /No more authentication methods/,
  /Too many authentication failures/,
  /Authentication failed/,
  /no matching host key type found/,
];

/** The first line of ssh's stderr that explains the failure, or "" when none does. */
export function sshFailureReason(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
  const loginFailure = lines.find((line) => LOGIN_FAILURES.some((pattern) => pattern.test(line)));
  if (loginFailure) return loginFailure;
  return lines.find((line) => !NOISE.some((pattern) => pattern.test(line))) ?? "";
}

/** "needs-login" when a login failed (keys refused, host key unknown), else "unreachable". */
export function sshFailureState(stderr: string): "needs-login" | "unreachable" {
  return LOGIN_FAILURES.some((pattern) => pattern.test(stderr)) ? "needs-login" : "unreachable";
}
