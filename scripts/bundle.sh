#!/bin/sh
# Bundles molq as the binary is built from it: OUTDIR/main.js (default dist/bundle) and one
# chunk per lazily imported part (each command, each scheduler, the dashboard), so a command
# still loads only what it runs, from a few files instead of a hundred modules.
#
#   scripts/bundle.sh [OUTDIR]
#
# OUTDIR is replaced. `deno compile` (scripts/compile.sh), the end-to-end tests
# (src/testing/bundled_main.ts) and the benchmarks run this bundle; `deno task molq` runs the
# sources. `deno bundle` fetches esbuild from the npm registry the first time.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist/bundle}
command -v deno >/dev/null 2>&1 || {
  echo "bundle.sh: deno is not on PATH (scripts/install-deno.sh installs it)." >&2
  exit 1
}
rm -rf "$out"
# node: modules stay imports of the runtime; the npm package (smol-toml) is bundled in.
deno bundle --quiet --platform deno --code-splitting --outdir "$out" "$root/main.ts"
[ -f "$out/main.js" ] || {
  echo "bundle.sh: deno bundle wrote no $out/main.js." >&2
  exit 1
}
