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

if [ -n "${ZI_TEST_DATABASE_URL:-}" ]; then
  echo "== test database: $(printf '%s' "$ZI_TEST_DATABASE_URL" | sed -E 's#//([^:/@]*):[^@]*@#//\1:***@#')"
else
  echo "== test database: SQLite (a temporary file)"
fi
run -m "not browser" "$@" || exit 1
run -m browser "$@" || exit 1
