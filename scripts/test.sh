#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs Deno and the Debian packages the
# tests drive (tmux, a real SLURM, a real Grid Engine, OpenSSH and sshfs), starts the one-node
# SLURM cluster, the one-host Grid Engine cell and the private loopback sshd (the "cluster side"
# of the remote and network-file-system tests), runs `deno task test`. MOLQ_SLURM_TESTS=skip
# runs without SLURM, MOLQ_SGE_TESTS=skip without Grid Engine (those tests then skip, saying so).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deno.sh
if ! command -v tmux >/dev/null 2>&1; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tmux >/dev/null
fi
if [ "${MOLQ_SLURM_TESTS:-}" != "skip" ]; then
  bash scripts/slurm-dev-cluster.sh start
fi
if [ "${MOLQ_SGE_TESTS:-}" != "skip" ]; then
  bash scripts/sge-dev-cluster.sh start
fi
bash scripts/sshd-dev.sh start
deno task test "$@"
