#!/usr/bin/env bash
# Installs fakesnow (a local Snowflake emulator on DuckDB, from PyPI) into a project-local venv,
# .tools/fakesnow-venv, for the Snowflake destination's tests and benchmark. Idempotent: does
# nothing when the pinned set below is already installed. Prints the venv's python on the last line.
#
#   bash scripts/fakesnow.sh
#
# The venv's Python Snowflake connector (a fakesnow dependency) is also what the tests use to read
# landed rows independently of the Node driver (test/destinations/snowflake/read_landed_rows.py).
#
# Run the server by hand (the tests start their own on a free port):
#   .tools/fakesnow-venv/bin/python -m fakesnow -s --host 127.0.0.1 -p 8765
# Settings: PYTHON (default python3, needs >= 3.10).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$PWD/.tools/fakesnow-venv"
PY="$VENV/bin/python"
STAMP="$VENV/.zendesk-sync-requirements"

# Every package pinned: fakesnow 0.12.1 does not cap its dependencies, and
# snowflake-connector-python 5.x removed `snowflake.connector.converter`, which fakesnow imports.
REQUIREMENTS=(
  "fakesnow[server]==0.12.1"
  "snowflake-connector-python==4.8.1"
  "duckdb==2.0.1"
  "sqlglot==30.22.0"
  "pyarrow==26.0.1"
  "starlette==1.10.0"
  "uvicorn==0.54.0"
)
WANTED="${REQUIREMENTS[*]}"

if [[ ! -x "$PY" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANTED" ]]; then
  echo "Installing fakesnow into $VENV..." >&2
  mkdir -p .tools
  [[ -x "$PY" ]] || "${PYTHON:-python3}" -m venv "$VENV" >&2
  "$PY" -m pip install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}" >&2
  "$PY" -c 'import fakesnow.server' # fails loudly if the set does not import
  echo "$WANTED" >"$STAMP"
fi
echo "fakesnow ready; run: $PY -m fakesnow -s --host 127.0.0.1 -p <port>" >&2
echo "$PY"
