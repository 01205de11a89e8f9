"""The experts feature's fixed vocabularies: labels people read, and checks that refuse unknown values."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..common.errors import Invalid
from ..common.time import is_zone
from .data import US_STATES

LEVEL_LABELS = {"basic": _l("basic"), "working": _l("working"), "fluent": _l("fluent"), "native": _l("native")}
EXPERT_STATUS_LABELS = {
    "pending": _l("Waiting for review"), "changes_requested": _l("Changes requested"), "approved": _l("Approved"),
    "rejected": _l("Not accepted"), "withdrawn": _l("Withdrawn"),
}
DECISION_LABELS = {"approved": _l("Approved"), "rejected": _l("Rejected"), "changes_requested": _l("Changes requested")}
STAKEHOLDER_LABELS = {
    "political_leaders": _l("Political leaders"), "innovation_staff": _l("Innovation staff"),
    "administrators": _l("Administrators"), "tech_leaders": _l("Technology leaders"),
    "civil_society": _l("Civil society"),
}
REQUEST_STATUS_LABELS = {
    "draft": _l("Not sent yet"), "sent": _l("Waiting for the expert"), "accepted": _l("Accepted"),
    "declined": _l("Declined"), "cancelled": _l("Cancelled"),
}
WEEKDAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                  _l("Sunday"))
STATE_NAMES = dict(US_STATES)


@lru_cache(maxsize=1)
def language_codes() -> frozenset[str]:
    """Return the two-letter ISO 639-1 codes people may choose."""
    return frozenset(c for c in Locale("en").languages if len(c) == 2 and c.isalpha() and c.islower())


def _locale() -> Locale:
    try:
        return get_locale() or Locale("en")
    except RuntimeError:  # outside a request or app context
        return Locale("en")


def language_name(code: str) -> str:
    """Return the language's name in the reader's language ("es" -> "Spanish" / "español")."""
    return _locale().languages.get(code) or Locale("en").languages.get(code) or code


def language_choices() -> list[tuple[str, str]]:
    """Return (code, name) for every language, sorted by name in the reader's language."""
    return sorted(((c, language_name(c)) for c in language_codes()), key=lambda pair: pair[1].casefold())


def check_languages(codes: list[str], *, field: str = "languages", required: bool = True) -> list[str]:
    """Return the codes cleaned and de-duplicated in order, or raise Invalid naming the unknown one."""
    cleaned: list[str] = []
    for raw in codes:
        code = (raw or "").strip().lower()
        if not code:
            continue
        if code not in language_codes():
            raise Invalid(_l("Unknown language “%(code)s”. Choose languages from the list.", code=code), field=field)
        if code not in cleaned:
            cleaned.append(code)
    if required and not cleaned:
        raise Invalid(_l("Choose at least one language."), field=field)
    return cleaned


def check_zone(name: str, *, field: str = "timezone") -> str:
    """Return the IANA zone name, or raise Invalid with a clear message."""
    name = (name or "").strip()
    if not is_zone(name):
        raise Invalid(_l("Unknown time zone “%(zone)s”. Choose a zone such as America/Chicago or Asia/Jakarta.",
                         zone=name), field=field)
    return name


def minutes_label(minute: int) -> str:
    """Return "HH:MM" for minutes after midnight (1440 reads 24:00)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"
