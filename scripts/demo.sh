#!/usr/bin/env bash
# molq's main job on the embedded defaults: submit a few local jobs, follow them through
# the store, and show them. Installs Deno first if it is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deno.sh"
# Dependencies first (smol-toml from npm, on a fresh machine), so that Deno's download lines
# come here and not in the middle of molq's output below.
echo "== fetching molq's dependencies"
(cd "$root" && deno install --quiet --entrypoint main.ts)
molq() { deno run --unstable-lazy-dynamic-imports --allow-read --allow-write --allow-run --allow-env --allow-sys "$root/main.ts" "$@"; }
work=$(mktemp -d -t molq-demo-XXXX)
cd "$work"
echo "== molq demo in $work (store: ${MOLQ_DB:-${MOLQ_HOME:-$HOME/.molq}/jobs.db})"
ok=$(molq submit local --name hello --json -- sh -c 'echo "hello from $(hostname)"; sleep 1' | sed -n 's/.*"job_id": "\(.*\)".*/\1/p' | head -1)
bad=$(molq submit local --name failing --json --command 'echo working; echo oops >&2; exit 3' | sed -n 's/.*"job_id": "\(.*\)".*/\1/p' | head -1)
slow=$(molq submit local --name too-slow --time 2s --json -- sleep 30 | sed -n 's/.*"job_id": "\(.*\)".*/\1/p' | head -1)
echo "== submitted: $ok $bad $slow"
molq list
echo "== waiting for them (molq watch exits 1 because two jobs do not succeed)"
molq watch "$ok" "$bad" "$slow" || true
molq list --all --limit 3
echo "== logs of the failing job"
molq logs "$bad" local --stream both
echo "== its record and timeline"
molq inspect "$bad"
