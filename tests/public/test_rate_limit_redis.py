"""With ZI_REDIS_URL set, rate limits live in Redis, shared by every web process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("ZI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_limits_are_counted_in_redis(tmp_path):
    if not redis_available():
        pytest.fail(f"Redis is not reachable at {REDIS_URL} (CI starts it; see .ci/run)")
    prefix = f"zi-test-{uuid.uuid4().hex[:8]}"
    # A separate process: the limiter is bound to its storage once per process.
    script = textwrap.dedent(f"""
        import redis
        from portal import create_app
        app = create_app({{"ZI_PROFILE": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "RATELIMIT_KEY_PREFIX": "{prefix}",
                          "RATELIMIT_TRACKING_FAILURES": "2 per minute"}})
        client = app.test_client()
        statuses = [client.post("/lacak", data={{"code": "ZI-2222-3333", "key": "x"}}).status_code
                    for _ in range(3)]
        keys = redis.Redis.from_url("{REDIS_URL}").keys("*{prefix}*")
        print(statuses, len(keys))
    """)
    env = {**os.environ, "ZI_REDIS_URL": REDIS_URL}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    statuses, keys = done.stdout.strip().rsplit(" ", 1)
    assert statuses == "[404, 404, 429]" and int(keys) > 0
