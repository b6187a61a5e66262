#!/usr/bin/env bash
# Installs Airbyte's source-zendesk-support (from PyPI; needs Python 3.10 or 3.11) into a project-local
# venv, .tools/airbyte-zendesk-venv, for bench/otherConnectors.ts --connector airbyte (another connector
# synced from the emulator, records compared with its ground truth). Idempotent: does nothing when the
# pinned version is already installed. Prints the connector's executable on the last line.
#
#   bash scripts/airbyte-zendesk.sh
#
# Settings: PYTHON (default python3), ZS_AIRBYTE_ZENDESK_VENV (default .tools/airbyte-zendesk-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${ZS_AIRBYTE_ZENDESK_VENV:-$PWD/.tools/airbyte-zendesk-venv}"
PY="$VENV/bin/python"
STAMP="$VENV/.zendesk-sync-requirements"
# Pinned; it brings airbyte-cdk 6 (a few minutes to install).
WANTED="airbyte-source-zendesk-support==4.9.1"

if [[ ! -x "$PY" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANTED" ]]; then
  echo "Installing $WANTED into $VENV..." >&2
  mkdir -p "$(dirname "$VENV")"
  [[ -x "$PY" ]] || "${PYTHON:-python3}" -m venv "$VENV" >&2
  "$PY" -m pip install --quiet --disable-pip-version-check "$WANTED" >&2
  "$PY" -c 'import source_zendesk_support' # fails loudly if the set does not import
  echo "$WANTED" >"$STAMP"
fi
echo "$VENV/bin/source-zendesk-support"
