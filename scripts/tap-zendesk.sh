#!/usr/bin/env bash
# Installs Singer's tap-zendesk (from PyPI) into a project-local venv, .tools/tap-zendesk-venv, for
# bench/otherConnectors.ts (another connector synced from the emulator, records compared with its
# ground truth). Idempotent: does nothing when the pinned version is already installed. Prints the
# venv's tap executable on the last line.
#
#   bash scripts/tap-zendesk.sh
#
# Settings: PYTHON (default python3), ZS_TAP_ZENDESK_VENV (default .tools/tap-zendesk-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${ZS_TAP_ZENDESK_VENV:-$PWD/.tools/tap-zendesk-venv}"
PY="$VENV/bin/python"
STAMP="$VENV/.zendesk-sync-requirements"
# Pinned: the tap pins its own dependencies exactly (zenpy, requests, aiohttp, singer-python).
WANTED="tap-zendesk==2.8.2"

if [[ ! -x "$PY" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANTED" ]]; then
  echo "Installing $WANTED into $VENV..." >&2
  mkdir -p "$(dirname "$VENV")"
  [[ -x "$PY" ]] || "${PYTHON:-python3}" -m venv "$VENV" >&2
  "$PY" -m pip install --quiet --disable-pip-version-check "$WANTED" >&2
  "$PY" -c 'import tap_zendesk, zenpy' # fails loudly if the set does not import
  echo "$WANTED" >"$STAMP"
fi
echo "$VENV/bin/tap-zendesk"
