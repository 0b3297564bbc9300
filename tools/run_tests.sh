#!/usr/bin/env bash
# Run the test suite with the given interpreter; "no tests collected" (pytest
# exit 5) is a failure, like any failing test.
# Usage: bash tools/run_tests.sh PYTHON [pytest args...]
set -u
PY=$1
shift
cd "$(dirname "$0")/.."
"$PY" -m pytest tests "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "run_tests: pytest collected no tests (exit 5); treating as a failure" >&2
  exit 1
fi
exit $rc
