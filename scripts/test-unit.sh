#!/usr/bin/env bash
# `npm run test:unit`: the tests that need no service — every test/**/*.test.ts except the end-to-end tests
# (test/e2e/) and the integration tests (*.integration.test.ts); the rule is in test/README.md. No install
# step, no type-check (`npm run build`), no Temporal, Postgres, fakesnow, local-bigquery or browser: the
# service settings are removed from the environment so a unit test cannot reach one by accident. The files run
# in one process (scripts/test-in-one-process.ts: a third of the CPU time); ZS_TEST_ISOLATE=1 gives each its own.
#   npm run test:unit                    all unit tests
#   npm run test:unit -- test/zendesk    only those under a path
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -d test/e2e ]]; then
  echo "test:unit selects tests by the layout in test/README.md (test/e2e/, *.integration.test.ts); this tree has no test/e2e/" >&2
  exit 1
fi
paths=("$@"); [[ ${#paths[@]} -eq 0 ]] && paths=(test)
mapfile -t files < <(find "${paths[@]}" -name '*.test.ts' -not -path '*/e2e/*' -not -name '*.integration.test.ts' | sort)
if [[ ${#files[@]} -eq 0 ]]; then echo "no unit test files under ${paths[*]}" >&2; exit 1; fi
unset ZS_PG_URL TEMPORAL_CLI_PATH TEMPORAL_ADDRESS
if [[ "${ZS_TEST_ISOLATE:-0}" == 1 ]]; then # one process per file, as npm test runs them
  exec node --import tsx --test --test-concurrency="${ZS_TEST_CONCURRENCY:-2}" --test-timeout="${ZS_TEST_TIMEOUT_MS:-120000}" "${files[@]}"
fi
exec node --import tsx scripts/test-in-one-process.ts "${files[@]}"
