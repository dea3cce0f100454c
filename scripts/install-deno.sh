#!/usr/bin/env bash
# Installs the pinned Deno from the npm registry when it is missing or another version.
set -euo pipefail
DENO_VERSION=2.9.6
if command -v deno >/dev/null 2>&1 && deno --version | head -1 | grep -q " ${DENO_VERSION} "; then
  exit 0
fi
echo "install-deno: installing deno ${DENO_VERSION} from npm" >&2
npm install -g --silent "deno@${DENO_VERSION}" >&2
deno --version | head -1 >&2
