"""Rate limits: login (per address and per account), sign-up, password reset, the API; Redis as storage.

Chat and Q&A limits are counted in the database per room and person: tests/live/test_chat.py::
test_rate_limit_answers_with_an_error_and_stores_nothing and tests/live/test_questions.py::test_question_rate_limit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
import redis


@pytest.fixture
def no_csrf(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # count the limit, not the CSRF refusal


def _hammer(client, url, count, data_for):
    return [client.post(url, data=data_for(i)).status_code for i in range(count)]


def test_login_is_limited_per_address_across_accounts(client, no_csrf):
    codes = _hammer(client, "/accounts/login", 31, lambda i: {"email": f"guess{i}@example.org", "password": "x"})
    assert 429 not in codes[:30] and codes[30] == 429


def test_signup_is_limited_per_address(client, no_csrf):
    codes = _hammer(client, "/accounts/signup", 21, lambda i: {"email": f"new{i}@example.org"})
    assert 429 not in codes[:20] and codes[20] == 429


def test_a_limited_page_says_so_clearly(client, no_csrf):
    _hammer(client, "/accounts/signup", 20, lambda i: {})
    page = client.post("/accounts/signup", data={})
    assert page.status_code == 429 and "Too many requests in a short time" in page.get_data(as_text=True)


def test_the_api_is_limited_and_answers_in_json(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    assert [client.get("/api/v1/exchanges").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/api/v1/exchanges")
    assert limited.status_code == 429
    assert limited.is_json and limited.get_json()["error"]["code"] == 429
    assert "Too many requests" in limited.get_json()["error"]["message"]
    assert int(limited.headers["Retry-After"]) > 0
    assert "Traceback" not in limited.get_data(as_text=True)


REDIS_DB = "redis://127.0.0.1:6379/9"  # this suite's own Redis database number
SCRIPT = """
import json, sys
from exchange import create_app
app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                  "REDIS_URL": sys.argv[1], "RATELIMIT_KEY_PREFIX": sys.argv[2], "API_RATE_LIMIT": "2 per minute"})
client = app.test_client()
print(json.dumps([client.get("/api/v1/openapi.json").status_code for _ in range(3)]))
"""


def test_limits_are_stored_in_redis_when_it_is_configured(tmp_path):
    prefix = f"sec-test-{uuid.uuid4().hex[:8]}"
    store = redis.Redis.from_url(REDIS_DB)
    env = {**os.environ, "EXCHANGE_INSTANCE": str(tmp_path)}
    try:
        # Two processes share the count, as N server processes behind a proxy do.
        first = subprocess.run([sys.executable, "-c", SCRIPT, REDIS_DB, prefix], capture_output=True, text=True,
                               env=env, timeout=60, check=True)
        assert json.loads(first.stdout.strip().splitlines()[-1]) == [200, 200, 429]
        assert list(store.scan_iter(f"*{prefix}*")), "no rate-limit counter in Redis"
        second = subprocess.run([sys.executable, "-c", SCRIPT, REDIS_DB, prefix], capture_output=True, text=True,
                                env=env, timeout=60, check=True)
        assert json.loads(second.stdout.strip().splitlines()[-1]) == [429, 429, 429]
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
