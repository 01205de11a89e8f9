"""Slowing down password guessing: failed logins counted per account *and* client address, with delays that grow.

A limit per account alone lets anyone lock the owner out (ten wrong guesses and the right password is refused).
Here a count belongs to one (account, address) pair: the first `FREE_FAILURES` wrong passwords cost nothing,
then each one makes that pair wait 1 s, 2 s, 4 s, … up to `MAX_DELAY` before the next try. The owner, from
any other address, is never slowed down by someone else's guesses, and a successful login clears the pair's
count. Guessing many accounts from one address is held back by the login page's per-address limits
(`accounts/views.py`).

The counters live in Flask-Limiter's storage (memory in one process, Redis when `REDIS_URL` is set), under the
installation's `RATELIMIT_KEY_PREFIX`, so every server process shares them. Keys are a hash of the pair: the
storage never holds an email address.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app

from ..extensions import limiter

FREE_FAILURES = 5  # wrong passwords from one address for one account before delays start
MAX_DELAY = 15 * 60  # seconds: the longest wait between two tries
FORGET_AFTER = 24 * 60 * 60  # seconds: a pair's count is forgotten this long after its first failure


def _keys(email: str, address: str) -> tuple[str, str]:
    pair = hashlib.sha256(f"{email}\n{address}".encode()).hexdigest()[:32]
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "exchange-rl"
    return f"{prefix}/login-failures/{pair}", f"{prefix}/login-wait/{pair}"


def delay_after(failures: int) -> int:
    """Return the seconds to wait after this many failures in a row (0 while they are free)."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES), MAX_DELAY)


def wait_seconds(email: str, address: str) -> int:
    """Return how many seconds this address must still wait before trying this account again (0: go ahead)."""
    _count, wait = _keys(email, address)
    storage = limiter.storage
    if not storage.get(wait):
        return 0
    return max(1, math.ceil(storage.get_expiry(wait) - time.time()))


def record_failure(email: str, address: str) -> int:
    """Count a wrong password from `address` for `email`; return the seconds it must now wait (0: none)."""
    count, wait = _keys(email, address)
    storage = limiter.storage
    delay = delay_after(storage.incr(count, FORGET_AFTER))
    if delay:
        storage.clear(wait)
        storage.incr(wait, delay)
    return delay


def clear(email: str, address: str) -> None:
    """Forget the pair's failures (the right password was given)."""
    for key in _keys(email, address):
        limiter.storage.clear(key)
