"""The browser's login session: what logging in writes into the Flask session (the web layer, not a service).

Other features' views call `start_login_session` when a form of theirs creates an account and logs it in
(an invitation's sign-up), so every login session looks alike.
"""

from __future__ import annotations

import time

from flask import session
from flask_login import login_user

from . import services


def start_login_session(user, *, remember: bool, first: bool = False) -> None:
    """Log `user` in with a fresh session: the reader's language kept, everything else cleared. `first`: her first
    login (a new account), so that the home page welcomes her rather than "back".

    A fresh session at login means nothing an attacker planted before login survives it. The login is recorded
    on the server (`services.open_login`): the session and remember cookies carry its token, and logging out
    ends it there, so a copy of the cookies stops working too; its live-room connections close (live/access.py).
    """
    user = user._get_current_object() if hasattr(user, "_get_current_object") else user  # never store the proxy
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    services.open_login(user, remember=remember)
    now = int(time.time())
    session.update(_started=now, _seen=now, _remembered=remember)
    if first:
        session["first_login"] = True
    login_user(user, remember=remember)
