#!/usr/bin/env bash
# Installs what the project needs to run: npm packages from the lock file (when missing or stale)
# and the Temporal CLI. Safe to run repeatedly; does nothing when all is in place.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "Installing npm packages from package-lock.json..." >&2
  npm ci --no-audit --no-fund >&2
fi
bash scripts/ensure-temporal.sh >/dev/null
