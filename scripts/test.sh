#!/usr/bin/env bash
# `npm test`: installs what the tests need (npm packages, the Temporal CLI, fakesnow, local-bigquery, a loopback Postgres),
# type-checks, then runs every test file under test/ with Node's test runner.
#   npm test                    all tests
#   npm test -- test/emulator   only files under a path
# Settings: ZS_PG_URL (use this Postgres instead of starting one), ZS_SKIP_TYPECHECK=1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export TEMPORAL_CLI_PATH="$(bash scripts/ensure-temporal.sh | tail -n 1)"
bash scripts/fakesnow.sh >/dev/null # the Snowflake emulator (PyPI) for the Snowflake writer's tests
bash scripts/bigquery-emulator.sh >/dev/null # the BigQuery emulator (PyPI) for the BigQuery writer's tests
bash scripts/ensure-chromium.sh      # Debian's chromium for the Web UI browser test
if [[ -z "${ZS_PG_URL:-}" ]]; then
  export ZS_PG_URL="$(bash scripts/postgres.sh start | tail -n 1)"
fi
if [[ "${ZS_SKIP_TYPECHECK:-0}" != 1 ]]; then
  echo "Type-checking..." >&2
  npx tsc -p tsconfig.json --noEmit
fi
paths=("$@"); [[ ${#paths[@]} -eq 0 ]] && paths=(test)
mapfile -t files < <(find "${paths[@]}" -name '*.test.ts' | sort)
if [[ ${#files[@]} -eq 0 ]]; then echo "no test files under ${paths[*]}" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency="${ZS_TEST_CONCURRENCY:-2}" --test-timeout="${ZS_TEST_TIMEOUT_MS:-1800000}" "${files[@]}"
