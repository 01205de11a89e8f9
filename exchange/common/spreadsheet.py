"""CSV cells that spreadsheets read as text: the one guard against formula injection in every CSV download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """Return a CSV cell that spreadsheets do not run as a formula (text starting with = + - @ TAB CR gets a ')."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(rows: Iterable[Iterable]) -> str:
    """Return rows as CSV text, every cell guarded by `cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()
