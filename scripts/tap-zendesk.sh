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
# Pinned: the tap pins its own dependencies exactly (zenpy, requests, aiohttp, singer-python).
exec bash scripts/pinned-venv.sh "${ZS_TAP_ZENDESK_VENV:-$PWD/.tools/tap-zendesk-venv}" "tap-zendesk==2.8.2" 'import tap_zendesk, zenpy' tap-zendesk
