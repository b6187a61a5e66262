#!/usr/bin/env bash
# Installs local-bigquery (a BigQuery REST emulator on DuckDB, from PyPI) into a project-local venv,
# .tools/bigquery-venv, for the BigQuery destination's tests and benchmark. Idempotent: does nothing
# when the pinned set below is already installed. Prints the venv's python on the last line.
#
#   bash scripts/bigquery-emulator.sh
#
# Why this exact set (see test/destinations/bigquery/EMULATOR_GAPS.md): local-bigquery 0.4.0 pulls duckdb 2.x,
# which downloads its icu/ducklake/spatial extensions from DuckDB's server on first use and fails
# offline. 0.3.2 runs on duckdb 1.5.5, whose extensions PyPI ships as wheels; each is installed once
# from its wheel's file into DuckDB's extension directory ($HOME/.duckdb), from where DuckDB
# autoloads it without a network.
#
# Run the server by hand (the tests start their own on free ports with a fresh data dir):
#   .tools/bigquery-venv/bin/local-bigquery --host 127.0.0.1 --port 9050 --grpc-port 9060 --data-dir /tmp/bq
# Settings: PYTHON (default python3.13; local-bigquery needs >= 3.13).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$PWD/.tools/bigquery-venv"
PY="$VENV/bin/python"
STAMP="$VENV/.zendesk-sync-requirements"

REQUIREMENTS=(
  "local-bigquery==0.3.2"
  "duckdb==1.5.5"
  "duckdb-extension-ducklake==1.5.5"
  "duckdb-extension-icu==1.5.5"
  "duckdb-extension-spatial==1.5.5"
)
WANTED="${REQUIREMENTS[*]}"

# A Python >= 3.13: $PYTHON, else python3.13 if it runs (a pyenv shim may exist without the version
# being active), else pyenv's 3.13 install.
python313() {
  if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"; return; fi
  if python3.13 -c pass 2>/dev/null; then echo python3.13; return; fi
  local found
  found=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[3-9]*/bin/python3 2>/dev/null | head -n1 || true)
  [[ -n "$found" ]] || { echo "local-bigquery needs Python >= 3.13; set PYTHON" >&2; exit 1; }
  echo "$found"
}

if [[ ! -x "$PY" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANTED" ]]; then
  echo "Installing local-bigquery into $VENV..." >&2
  mkdir -p .tools
  [[ -x "$PY" ]] || "$(python313)" -m venv "$VENV" >&2
  "$PY" -m pip install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}" >&2
  # Install each extension from the wheel's own file, so DuckDB never tries to download it.
  "$PY" - <<'PYEOF' >&2
import glob, importlib, os
import duckdb
con = duckdb.connect()
for name in ("icu", "ducklake", "spatial"):
    module = importlib.import_module(f"duckdb_extension_{name}")
    here = os.path.dirname(module.__file__)
    found = glob.glob(os.path.join(here, "**", f"{name}.duckdb_extension"), recursive=True)
    if not found:
        raise SystemExit(f"no {name}.duckdb_extension inside {here}")
    con.execute(f"INSTALL '{found[0]}'")
    con.execute(f"LOAD {name}")
print("duckdb extensions installed:", duckdb.__version__)
PYEOF
  "$PY" -c 'import local_bigquery' 2>/dev/null || "$VENV/bin/local-bigquery" --help >/dev/null
  echo "$WANTED" >"$STAMP"
fi
echo "local-bigquery ready; run: $VENV/bin/local-bigquery --host 127.0.0.1 --port <port> --grpc-port <port> --data-dir <dir>" >&2
echo "$PY"
