"""Rate limits: login (per address, and wrong passwords per account and address with growing waits), sign-up, password reset, the API; Redis as storage.

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
import time_machine

from tests.conftest import TEST_PASSWORD


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


# --- wrong passwords: counted per (account, client address), with waits that grow --------------------------------

A, B = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.20"}


def _try(client, email, password, address):
    return client.submit("/accounts/login", {"email": email, "password": password}, environ_base=address)


def _patiently(client, clock, email, password, address):
    """Try to log in; while told to wait, wait as long as the answer says (on the test's clock), then try."""
    while (response := _try(client, email, password, address)).status_code == 429:
        clock.shift(int(response.headers["Retry-After"]))
    return response


def test_guesses_from_one_address_never_lock_the_owner_out_from_another(client, make_user):
    make_user(email="target@example.org")
    with time_machine.travel("2027-03-01 09:00Z", tick=False) as clock:
        codes = [_patiently(client, clock, "target@example.org", "guess guess guess", A).status_code
                 for _ in range(20)]
        assert codes == [400] * 20  # every guess was checked, and failed
        # The attacker's address now waits long before its next try, even with the right password...
        blocked = _try(client, "target@example.org", TEST_PASSWORD, A)
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 60
        # ...while the owner, from her own address, gets straight in.
        owner = _try(client, "target@example.org", TEST_PASSWORD, B)
        assert owner.status_code == 302
        assert client.get("/accounts/profile").status_code == 200


def test_waits_grow_from_the_fifth_wrong_password_and_say_how_long(client, make_user):
    make_user(email="slow@example.org")
    with time_machine.travel("2027-03-01 09:00Z", tick=False) as clock:
        assert [_try(client, "slow@example.org", "nope nope nope", A).status_code for _ in range(5)] == [400] * 5
        for wait in (1, 2, 4, 8, 16, 32, 64):  # the wait after the 5th, 6th, ... 11th wrong password
            clock.shift(wait - 1)
            refused = _try(client, "slow@example.org", TEST_PASSWORD, A)
            assert refused.status_code == 429, f"the right password is refused a second before {wait} s are up"
            clock.shift(1)
            assert _try(client, "slow@example.org", "nope nope nope", A).status_code == 400, f"{wait} s were enough"
        message = _try(client, "slow@example.org", TEST_PASSWORD, A)  # 128 s to wait
        assert message.status_code == 429
        assert ("Too many wrong passwords for this account from your network. Try again in 2 minutes"
                in message.get_data(as_text=True))


def test_the_longest_wait_is_15_minutes_and_the_right_password_clears_the_count(client, make_user):
    make_user(email="capped@example.org")
    with time_machine.travel("2027-03-01 09:00Z", tick=False) as clock:
        for _ in range(16):
            _patiently(client, clock, "capped@example.org", "nope nope nope", A)
        response = _try(client, "capped@example.org", "nope nope nope", A)
        # (Flask-Limiter keeps the longer of our wait and its own window's in Retry-After: here ours.)
        assert response.status_code == 429 and 15 * 60 - 1 <= int(response.headers["Retry-After"]) <= 15 * 60
        clock.shift(15 * 60 - 1)
        assert _try(client, "capped@example.org", TEST_PASSWORD, A).status_code == 429
        clock.shift(1)
        assert _try(client, "capped@example.org", TEST_PASSWORD, A).status_code == 302
        client.submit("/accounts/logout", page="/accounts/profile")
        # A fresh count: five free tries again, then the first wait.
        codes = [_try(client, "capped@example.org", "nope nope nope", A).status_code for _ in range(6)]
        assert codes == [400] * 5 + [429]


def test_a_waiting_pair_looks_the_same_for_an_unknown_account(client, make_user):
    make_user(email="known@example.org")
    with time_machine.travel("2027-03-01 09:00Z", tick=False):
        for email in ("known@example.org", "nobody@example.org"):
            codes = [_try(client, email, "nope nope nope", A).status_code for _ in range(7)]
            assert codes == [400] * 5 + [429, 429], (email, codes)


def test_spraying_many_accounts_from_one_address_is_held_back(client, no_csrf):
    with time_machine.travel("2027-03-01 09:00Z", tick=False) as clock:
        codes = []
        for minute in range(7):
            codes += _hammer(client, "/accounts/login", 30,
                             lambda i, m=minute: {"email": f"spray{m}-{i}@example.org", "password": "x"})
            clock.shift(61)
        assert 429 not in codes[:200] and codes[200:] == [429] * 10


THROTTLE_SCRIPT = """
import json, sys
from exchange import create_app
from exchange.accounts import throttle
app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                  "REDIS_URL": sys.argv[1], "RATELIMIT_KEY_PREFIX": sys.argv[2]})
with app.test_request_context():
    waits = [throttle.record_failure("target@example.org", "203.0.113.7") for _ in range(int(sys.argv[3]))]
    print(json.dumps([waits, throttle.wait_seconds("target@example.org", "203.0.113.7"),
                      throttle.wait_seconds("target@example.org", "198.51.100.20")]))
"""


def test_wrong_password_counts_are_shared_through_redis(tmp_path):
    prefix = f"sec-test-{uuid.uuid4().hex[:8]}"
    store = redis.Redis.from_url(REDIS_DB)
    env = {**os.environ, "EXCHANGE_INSTANCE": str(tmp_path)}
    try:
        # Two processes, as two servers behind a proxy: the second one continues the first one's count.
        first = subprocess.run([sys.executable, "-c", THROTTLE_SCRIPT, REDIS_DB, prefix, "5"], capture_output=True,
                               text=True, env=env, timeout=60, check=True)
        assert json.loads(first.stdout.strip().splitlines()[-1]) == [[0, 0, 0, 0, 1], 1, 0]
        second = subprocess.run([sys.executable, "-c", THROTTLE_SCRIPT, REDIS_DB, prefix, "2"], capture_output=True,
                                text=True, env=env, timeout=60, check=True)
        waits, wait_a, wait_b = json.loads(second.stdout.strip().splitlines()[-1])
        assert waits == [2, 4] and 3 <= wait_a <= 4 and wait_b == 0
        assert list(store.scan_iter(f"*{prefix}/login-failures/*")), "no login counter in Redis"
    finally:
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
