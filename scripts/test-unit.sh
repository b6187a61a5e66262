#!/usr/bin/env bash
# `npm run test:unit`: the tests that need no service — every test/**/*.test.ts except the end-to-end tests
# (test/e2e/) and the integration tests (*.integration.test.ts); the rule is in test/README.md. No install
# step, no type-check (`npm run build`), no Temporal, Postgres, fakesnow, local-bigquery or browser: the
# service settings are removed from the environment so a unit test cannot reach one by accident.
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
exec env -u ZS_PG_URL -u TEMPORAL_CLI_PATH -u TEMPORAL_ADDRESS \
  node --import tsx --test --test-concurrency="${ZS_TEST_CONCURRENCY:-2}" --test-timeout="${ZS_TEST_TIMEOUT_MS:-120000}" "${files[@]}"
