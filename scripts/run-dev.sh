#!/usr/bin/env bash
# `make run`: the web server in the foreground, the worker (mail in, outbox out) beside it,
# and the Telegram bot when a token is configured. Ctrl+C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

.venv/bin/flask --app portal worker &
pids+=($!)
if [ -n "${ZI_TELEGRAM_TOKEN:-}" ] && [ -f bot/__main__.py ]; then
  .venv/bin/python -m bot &
  pids+=($!)
fi
echo "ZI Portal: http://$HOST:$PORT/"
.venv/bin/flask --app portal run --host "$HOST" --port "$PORT"
