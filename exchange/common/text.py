"""What people type, made ready to store: one function with its rules spelled out by its callers."""

from __future__ import annotations

import unicodedata
from typing import Any

from .errors import Invalid


def _without_controls(text: str) -> str:
    """Drop control characters (but newlines and tabs) and lone surrogates; CRLF becomes LF."""
    return "".join(ch for ch in text.replace("\r\n", "\n")
                   if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))


def clean_text(value: Any, *, field: str, max_len: int, too_long, empty=None, required: bool = False,
               one_line: bool = False, drop_controls: bool = False) -> str:
    """Return `value` as text to store, or raise Invalid (on `field`) with the caller's message.

    The rules, in order:
    - `drop_controls`: control characters other than newline and tab, and lone surrogates, go (text typed into
      a live room, shown at once to everyone); CRLF becomes LF.
    - `one_line`: every run of whitespace, line breaks included, becomes one space (a name, a job title);
      otherwise only leading and trailing whitespace goes (a description keeps its lines).
    - `required`: empty text is refused with `empty`; text longer than `max_len` characters with `too_long`.
    """
    text = str(value or "")
    if drop_controls:
        text = _without_controls(text)
    text = " ".join(text.split()) if one_line else text.strip()
    if required and not text:
        raise Invalid(empty, field=field)
    if len(text) > max_len:
        raise Invalid(too_long, field=field)
    return text
