/**
 * The small `sh` scripts behind a remote Runner's file operations, run as
 * `/bin/sh -c SCRIPT NAME ARGS...` through the session. Paths are arguments, never script
 * text; a leading `~` or `~/` is the remote user's home.
 */
import { expandHomeSh } from "../process/host_scripts.ts";

/** Sets `p` to `$1` with a leading `~` expanded to `$HOME`. */
const EXPAND_P = `p=$1
${expandHomeSh("p")}`;

/**
 * `$1` path, `$2` octal mode; stdin: the content. Written beside the target under a
 * private umask and renamed over it, so the file is never readable by others and never
 * half-written under its name.
 */
export const WRITE_FILE_SCRIPT = `${EXPAND_P}
if [ -d "$p" ]; then echo "$p is a directory" >&2; exit 1; fi
umask 077
t=$p.molq-tmp.$$
if cat >"$t" && chmod "$2" "$t" && mv -f "$t" "$p"; then exit 0; fi
rm -f "$t"
exit 1`;

/** `$1` path: created with its parents, all private, and the last one made 0700. */
export const MAKE_PRIVATE_DIR_SCRIPT = `${EXPAND_P}
umask 077
mkdir -p -- "$p" && chmod 700 -- "$p"`;

/** `$1` path: removed; a missing file is fine. */
export const REMOVE_FILE_SCRIPT = `${EXPAND_P}
rm -f -- "$p"`;

/** Prints the remote home directory. */
export const HOME_SCRIPT = `printf '%s\\n' "$HOME"`;
