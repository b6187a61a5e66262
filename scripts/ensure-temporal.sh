#!/usr/bin/env bash
# Makes the Temporal CLI (dev server + Web UI) available and prints its path on the last line.
# Order: $TEMPORAL_CLI_PATH, the project's cached build in .tools/bin, a `temporal` already on PATH,
# else build it with Go from the module proxy. Never downloads a prebuilt binary.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}" # later tags carry a replace directive that `go install` refuses
cached="$PWD/.tools/bin/temporal"

if [[ -n "${TEMPORAL_CLI_PATH:-}" && -x "${TEMPORAL_CLI_PATH}" ]]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
if [[ -x "$cached" ]]; then echo "$cached"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  echo "Go is needed to build the Temporal CLI; installing Debian's golang-go (GOTOOLCHAIN=auto fetches a newer toolchain from the module proxy)" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >&2
fi
echo "Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (a few minutes on 2 cores; cached in .tools/bin)..." >&2
mkdir -p .tools/bin
GOTOOLCHAIN="${GOTOOLCHAIN:-auto}" GOBIN="$PWD/.tools/bin" go install "github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}" >&2
"$cached" --version >&2
echo "$cached"
