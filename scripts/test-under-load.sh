#!/usr/bin/env bash
# Runs the test suite several times in a row while busy loops keep every core loaded: the proof that
# no test depends on timing (a busy CI machine must not turn the suite red).
#   bash scripts/test-under-load.sh                   3 runs of `npm test`, one burner per core
#   bash scripts/test-under-load.sh 5                 5 runs
#   bash scripts/test-under-load.sh 3 test/emulator   3 runs of the tests under a path (as `npm test -- <path>`)
# Settings: ZS_LOAD_BURNERS (busy loops; default one per core, `nproc`), ZS_LOAD_LOGS (where each
# run's output goes; default artifacts/test-under-load). The environment of `npm test` applies
# (ZS_PG_URL, ZS_SKIP_TYPECHECK, ZS_TEST_CONCURRENCY, ...). Exit status: 0 only if every run passed.
set -uo pipefail
cd "$(dirname "$0")/.."

runs="${1:-3}"
[[ $# -gt 0 ]] && shift
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [runs] [test paths...]" >&2
  exit 2
fi
burners="${ZS_LOAD_BURNERS:-$(nproc)}"
logs="${ZS_LOAD_LOGS:-artifacts/test-under-load}"
mkdir -p "$logs"

burner_pids=()
stop_burners() {
  for pid in "${burner_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${burner_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  burner_pids=()
}
trap stop_burners EXIT
trap 'stop_burners; exit 130' INT TERM

# Each burner spins on one core and, once a second, checks that this script is still alive: it stops
# by itself even if the script is killed without running its trap (SIGKILL).
for ((i = 0; i < burners; i++)); do
  node -e '
    const parent = Number(process.argv[1]);
    for (;;) {
      const until = Date.now() + 1000;
      while (Date.now() < until) {}
      try { process.kill(parent, 0); } catch { process.exit(0); }
    }' "$$" &
  burner_pids+=("$!")
done
echo "== ${burners} CPU burner(s) running (pids ${burner_pids[*]}); ${runs} run(s) of npm test ${*:-(all tests)}; logs in ${logs}/"

passed=0
for ((run = 1; run <= runs; run++)); do
  log="${logs}/run-${run}.log"
  started=$(date +%s)
  if npm test -- "$@" >"$log" 2>&1; then
    status=pass
    passed=$((passed + 1))
  else
    status=FAIL
  fi
  echo "run ${run}/${runs}: ${status} in $(($(date +%s) - started)) s  (${log})"
  if [[ "$status" == FAIL ]]; then
    # The failing tests, as the runner names them (tap or spec reporter).
    grep -E '^[[:space:]]*not ok |✖' "$log" | grep -v '# Subtest' | head -n 20 | sed 's/^/    /'
  fi
done

stop_burners
echo "== ${passed}/${runs} run(s) passed under load"
[[ "$passed" -eq "$runs" ]]
