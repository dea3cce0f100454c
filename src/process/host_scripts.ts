/**
 * Small POSIX sh scripts that local-backend operations run through a Runner, so the same
 * text works on this machine and on a cluster over SSH: say which host this is, start a
 * job detached in its own session, and signal process groups with a grace period.
 */

/** `sh`: a leading `~` or `~/` in variable NAME becomes the home of the account it runs as. */
export function expandHomeSh(name: string): string {
  return `case $${name} in "~") ${name}=$HOME ;; "~/"*) ${name}=$HOME/\${${name}#"~/"} ;; esac`;
}

/**
 * Sets `h` to the host's name (`uname -n`): read from Linux's /proc without a process,
 * else from `uname -n`.
 */
export const HOST_NAME_SH =
  "h=; if [ -r /proc/sys/kernel/hostname ]; then IFS= read -r h </proc/sys/kernel/hostname || :; fi; " +
  '[ -n "$h" ] || h=$(uname -n)';

/** Sets `b` to the boot id (Linux), the boot time (BSD, macOS), or empty. */
export const BOOT_ID_SH =
  "b=; if [ -r /proc/sys/kernel/random/boot_id ]; then IFS= read -r b </proc/sys/kernel/random/boot_id || :; " +
  "else b=$(sysctl -n kern.boottime 2>/dev/null | tr -d '{},=' | tr -s ' ') || b=; fi";

/**
 * `sh -c DETACH_SH detach DIR SCRIPT`: starts `/bin/sh SCRIPT` in DIR in a new session
 * (pid = process group) with no pipes back, then prints its pid, the host name and the
 * boot id. util-linux `setsid` on Linux, POSIX::setsid through perl on macOS and BSD.
 */
export const DETACH_SH = [
  // A leading ~ is the home of the account it runs as (a remote cluster's, over SSH).
  "d=$1; s=$2",
  expandHomeSh("d"),
  expandHomeSh("s"),
  'cd "$d" || exit 97',
  // A background child of a non-interactive shell leads no process group, so setsid
  // starts the new session without forking: the pid printed is the job's, and its group's.
  "if command -v setsid >/dev/null 2>&1; then",
  '  setsid /bin/sh "$s" </dev/null >/dev/null 2>&1 &',
  "elif command -v perl >/dev/null 2>&1; then",
  `  perl -MPOSIX -e 'POSIX::setsid(); exec @ARGV' /bin/sh "$s" </dev/null >/dev/null 2>&1 &`,
  "else exit 98; fi",
  "printf 'pid %s\\n' \"$!\"",
  HOST_NAME_SH,
  "printf 'host %s\\n' \"$h\"",
  BOOT_ID_SH,
  "printf 'boot %s\\n' \"$b\"",
].join("\n");

/**
 * Writes the cancel markers named in `$MOLQ_MARKERS` (one path a line, `~/` the home),
 * each holding the time in ms, mode 0600; then forgets them. A signal script runs it after
 * its host check, right before its first signal: the markers exist exactly when the
 * signals went out, even if the answer never reaches molq (a link cut in between).
 */
export const MARK_CANCELLED_SH = [
  "molq_mark() {",
  '  [ -n "${MOLQ_MARKERS:-}" ] || return 0',
  "  t=$(date +%s)000; umask 077",
  "  printf '%s\\n' \"$MOLQ_MARKERS\" | while IFS= read -r m; do",
  `    ${expandHomeSh("m")}`,
  '    [ -z "$m" ] || printf \'%s\\n\' "$t" 2>/dev/null >"$m" || :',
  "  done",
  "  MOLQ_MARKERS=",
  "}",
  "molq_mark",
].join("\n");

/**
 * `sh -c SIGNAL_GROUPS_SH signal HOST GRACE PGID DIR [PGID DIR ...]`: refuses (exit 3,
 * `host NAME`) when this is not HOST; sends TERM to every job's group, waits up to GRACE
 * seconds for them to end, then sends KILL to the rest. Zombies count as ended. Where
 * /proc tells, a group is signalled only while its leader is the job's wrapper (it runs in
 * DIR) or gone: a live process of that pid elsewhere reused the number of a wrapper that
 * died, and is left alone. (A pid is never reused while its group lives on.) The cancel
 * markers in `$MOLQ_MARKERS` are written first (MARK_CANCELLED_SH).
 */
export const SIGNAL_GROUPS_SH = [
  HOST_NAME_SH,
  'if [ "$h" != "$1" ]; then printf \'host %s\\n\' "$h"; exit 3; fi',
  "grace=$2; shift 2",
  MARK_CANCELLED_SH,
  "molq_ours() {",
  "  [ -d /proc/$$ ] && [ -e /proc/$1 ] || return 0",
  '  [ /proc/$1/cwd -ef "$2" ] && return 0',
  "  l=; IFS= read -r l </proc/$1/stat 2>/dev/null || return 0",
  "  l=${l##*) }; case $l in Z*) return 0 ;; esac",
  "  return 1",
  "}",
  "groups=",
  "while [ $# -ge 2 ]; do",
  `  d=$2; ${expandHomeSh("d")}`,
  '  molq_ours "$1" "$d" && groups="$groups $1"; shift 2',
  "done",
  "set -- $groups",
  'for g in "$@"; do kill -TERM "-$g" 2>/dev/null || :; done',
  "molq_alive() {",
  "  LC_ALL=C ps -A -o pgid=,stat= | while read -r g s; do",
  "    case $s in Z*) continue ;; esac",
  '    for t in "$@"; do if [ "$g" = "$t" ]; then echo y; return; fi; done',
  "  done",
  "}",
  "n=0",
  'while [ "$n" -lt $((grace * 10)) ]; do',
  '  [ -n "$(molq_alive "$@")" ] || exit 0',
  "  sleep 0.1; n=$((n + 1))",
  "done",
  'for g in "$@"; do kill -KILL "-$g" 2>/dev/null || :; done',
].join("\n");
