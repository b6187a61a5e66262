#!/usr/bin/env bash
# Debian's Chromium for the Web UI browser test (playwright-core drives it; no browser download).
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
if [[ $(id -u) -ne 0 ]]; then
  echo "The Web UI test needs Debian's chromium: sudo apt-get install -y chromium" >&2
  exit 0 # the test itself fails with that message
fi
echo "Installing Debian's chromium for the Web UI test..." >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
