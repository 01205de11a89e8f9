"""What people type, made ready to store: one function with its rules spelled out by its callers."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .errors import Invalid

# Half of a UTF-16 pair on its own ("\ud800"): JSON can carry it, but it is no character — UTF-8 cannot encode it,
# so PostgreSQL could not store it nor a page show it.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_controls(text: str) -> str:
    """Drop control characters (but newlines and tabs) and lone surrogates; CRLF becomes LF."""
    return "".join(ch for ch in text.replace("\r\n", "\n")
                   if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))


def clean_text(value: Any, *, field: str, max_len: int, too_long, empty=None, required: bool = False,
               one_line: bool = False, drop_controls: bool = False) -> str:
    """Return `value` as text to store, or raise Invalid (on `field`) with the caller's message.

    The rules, in order:
    - lone surrogates always go (no database or page can hold them);
    - `drop_controls`: control characters other than newline and tab, and lone surrogates, go (text typed into
      a live room, shown at once to everyone); CRLF becomes LF.
    - `one_line`: every run of whitespace, line breaks included, becomes one space (a name, a job title);
      otherwise only leading and trailing whitespace goes (a description keeps its lines).
    - `required`: empty text is refused with `empty`; text longer than `max_len` characters with `too_long`.
    """
    text = LONE_SURROGATE.sub("", str(value or ""))
    if drop_controls:
        text = _without_controls(text)
    text = " ".join(text.split()) if one_line else text.strip()
    if required and not text:
        raise Invalid(empty, field=field)
    if len(text) > max_len:
        raise Invalid(too_long, field=field)
    return text
