"""What account tests share: the one-time link in the newest email to an address."""

from __future__ import annotations

import re

from tests.conftest import body_text

VERIFY = re.compile(r"http://localhost(/accounts/verify/[\w-]+)")


def verification_link(outbox, to: str) -> str:
    """Return the path of the email-confirmation link in the newest email to `to`."""
    text = body_text(outbox.last(to=to))
    match = VERIFY.search(text)
    assert match, text
    return match.group(1)
