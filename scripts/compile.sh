#!/bin/sh
# Builds the self-contained molq binary with `deno compile`.
#
#   scripts/compile.sh                 dist/molq for this machine
#   scripts/compile.sh --target T      dist/molq-T for one target T, one of
#       x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin aarch64-apple-darwin
#   scripts/compile.sh --all           dist/molq-T for each of those four targets
#
# The short git commit is written into src/build_info.ts for the build and the file is
# restored afterwards, also when the build fails or is interrupted. Set MOLQ_COMMIT to
# name the commit yourself (e.g. in a source tarball without .git).
#
# `deno compile` downloads its runtime base (denort) for the target once and caches it in
# DENO_DIR. Offline, point DENORT_BIN at a denort binary of the same Deno version and
# the target's platform; it is used for every build, so it allows one target per run.
set -eu

# The permissions the binary is granted: the same set as the `molq` and `test` tasks in
# deno.json (tests/permissions_test.ts fails if any list differs). Never net or ffi.
PERMISSIONS="--allow-read --allow-write --allow-run --allow-env --allow-sys"
# V8 settings baked into the binary (the molq task and the benchmarks use the same): a
# young generation capped at 4 MiB keeps a long listing or the dashboard from growing
# their memory with garbage V8 would collect only later (docs/performance.md).
V8_FLAGS="--v8-flags=--max-semi-space-size=4"
TARGETS="x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin aarch64-apple-darwin"

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
}

fail() {
  echo "compile.sh: $1" >&2
  exit "${2:-1}"
}

mode=host
target=""
while [ $# -gt 0 ]; do
  case "$1" in
    --all) mode=all ;;
    --target)
      [ $# -ge 2 ] || fail "--target needs a value: one of $TARGETS." 2
      mode=target
      target=$2
      shift
      ;;
    --target=*)
      mode=target
      target=${1#--target=}
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) fail "unknown argument \"$1\" (try --help)." 2 ;;
  esac
  shift
done

if [ "$mode" = target ]; then
  case " $TARGETS " in
    *" $target "*) ;;
    *) fail "unknown target \"$target\": expected one of $TARGETS." 2 ;;
  esac
fi

if [ -n "${DENORT_BIN:-}" ]; then
  [ -f "$DENORT_BIN" ] || fail "DENORT_BIN=$DENORT_BIN is not a file."
  [ "$mode" != all ] ||
    fail "DENORT_BIN names one runtime for one platform: build one --target at a time." 2
  export DENORT_BIN
fi

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v deno >/dev/null 2>&1 || fail "deno is not on PATH (scripts/install-deno.sh installs it)."

commit=${MOLQ_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
case "$commit" in
  "" | *[!0-9A-Za-z._-]*) fail "invalid commit \"$commit\": letters, digits, '.', '_' and '-' only." 2 ;;
esac

# Stamp the commit into build_info.ts; the trap puts the original back on every exit.
build_info=src/build_info.ts
saved=$(mktemp "${TMPDIR:-/tmp}/molq-build-info.XXXXXX")
cp "$build_info" "$saved"
restore() {
  status=$?
  trap - EXIT HUP INT TERM
  cat "$saved" >"$build_info" && rm -f "$saved"
  exit "$status"
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

sed "s/^export const COMMIT = \".*\";\$/export const COMMIT = \"$commit\";/" "$saved" >"$build_info"
grep -q "^export const COMMIT = \"$commit\";\$" "$build_info" ||
  fail "cannot stamp the commit: $build_info has no line 'export const COMMIT = \"...\";'."
version=$(sed -n 's/^export const VERSION = "\(.*\)";$/\1/p' "$build_info")

mkdir -p dist

# The build type-checks the sources, then compiles their bundle (scripts/bundle.sh, with the
# stamped commit): main.js and a chunk per lazily imported part, so a command loads a few
# files, not a hundred modules (docs/binary.md). The bundle holds the npm package
# (smol-toml); node:sqlite is part of the runtime. --no-code-cache keeps the binary from
# writing a V8 code cache to a shared temp directory on login nodes.
deno check --quiet main.ts || fail "type-checking main.ts failed."
sh scripts/bundle.sh dist/bundle || fail "bundling main.ts failed."

build() {
  output=$1
  shift
  echo "Building $output (molq $version, commit $commit)..."
  # shellcheck disable=SC2086 # PERMISSIONS is a list of flags
  if ! deno compile $PERMISSIONS $V8_FLAGS --no-code-cache --output "$output" "$@" dist/bundle/main.js; then
    [ -n "${DENORT_BIN:-}" ] ||
      echo "compile.sh: hint: without internet access, set DENORT_BIN (see docs/binary.md)." >&2
    fail "deno compile failed for $output."
  fi
}

case "$mode" in
  host)
    build dist/molq
    # A binary for this machine can be run: check that the stamp made it in.
    printed=$(dist/molq --version 2>&1 || true)
    if [ "$printed" != "molq $version ($commit)" ]; then
      rm -f dist/molq
      fail "dist/molq --version printed \"$printed\", expected \"molq $version ($commit)\"; removed it."
    fi
    echo "dist/molq: $printed"
    ;;
  target)
    build "dist/molq-$target" --target "$target"
    ;;
  all)
    for t in $TARGETS; do build "dist/molq-$t" --target "$t"; done
    ;;
esac
