#!/usr/bin/env bash
# Run the suite in two pytest processes: everything but the browser, then the browser tests
# (Playwright's sync API and pytest-asyncio must not share an event loop). A run in which no
# test was collected is a failure, never a silent pass.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

run() {
  "$PY" -m pytest "$@"
  local rc=$?
  if [ $rc -eq 5 ]; then
    echo "error: pytest collected no tests ($*)" >&2
    return 1
  fi
  return $rc
}

db="${ZI_TEST_DATABASE_URL:-sqlite (temporary file)}"
echo "== test database: ${db%%@*}@…" | sed 's/:[^:@\/]*@/:***@/'
run -m "not browser" "$@" || exit 1
run -m browser "$@" || exit 1
