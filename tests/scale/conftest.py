"""Several real `exchange serve` processes on one database and one Redis, with real socketio.Clients on them.

These tests always run: REDIS_URL (or TEST_REDIS_URL) names the Redis, redis://127.0.0.1:6379/7 by default, and
an unreachable Redis fails the test with a clear message. Each test gets its own Socket.IO channel, so several
people can share one Redis server. The database is the suite's (TEST_DATABASE_URL, else a SQLite file).
"""

from __future__ import annotations

import pytest
import redis

from tests.scale.helpers import Cluster, RedisServer, redis_url


@pytest.fixture
def shared_redis():
    """The Redis these tests share with others, checked reachable (each cluster has its own keys and channel)."""
    url = redis_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"The multi-process tests need Redis at {url} ({exc}). Start one (`redis-server`) or set "
                    "TEST_REDIS_URL.")
    yield url
    client.close()


@pytest.fixture
def cluster(app, db, shared_redis, tmp_path):
    made = Cluster(app, tmp_path, shared_redis)
    yield made
    made.close()


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()
