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
# Pinned; it brings airbyte-cdk 6 (a few minutes to install).
exec bash scripts/pinned-venv.sh "${ZS_AIRBYTE_ZENDESK_VENV:-$PWD/.tools/airbyte-zendesk-venv}" "airbyte-source-zendesk-support==4.9.1" 'import source_zendesk_support' source-zendesk-support
