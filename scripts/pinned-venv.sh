#!/usr/bin/env bash
# Installs one pinned PyPI package into a project-local venv, for the other connectors the benchmark
# compares with (scripts/tap-zendesk.sh, scripts/airbyte-zendesk.sh). Idempotent: does nothing when
# the venv already holds exactly this requirement. Prints the venv's executable on the last line.
#
#   bash scripts/pinned-venv.sh <venv dir> <requirement> <python import check> <executable>
#
# Settings: PYTHON (default python3).
set -euo pipefail
VENV="$1" WANTED="$2" IMPORT_CHECK="$3" EXECUTABLE="$4"
PY="$VENV/bin/python"
STAMP="$VENV/.zendesk-sync-requirements"

if [[ ! -x "$PY" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANTED" ]]; then
  echo "Installing $WANTED into $VENV..." >&2
  mkdir -p "$(dirname "$VENV")"
  [[ -x "$PY" ]] || "${PYTHON:-python3}" -m venv "$VENV" >&2
  "$PY" -m pip install --quiet --disable-pip-version-check "$WANTED" >&2
  "$PY" -c "$IMPORT_CHECK" # fails loudly if the set does not import
  echo "$WANTED" >"$STAMP"
fi
echo "$VENV/bin/$EXECUTABLE"
