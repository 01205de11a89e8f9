"""Languages at run time: reference names stored in English, numbers, the switcher's label, page-script messages."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from babel.messages.extract import extract
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import force_locale, get_locale, get_translations
from flask_babel import gettext as _

STATIC_JS = Path(__file__).resolve().parent.parent.parent / "static" / "js"
# The same keywords the catalogue extraction uses for page scripts (exchange/common/catalogs.py).
JS_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
_PLURAL_EXPRESSION = re.compile(r"^[n0-9\s()!=<>%&|?:]+$")


def current_locale() -> str:
    """Return the code of the locale in force ("en" outside a request, unless forced with force_locale)."""
    try:
        return str(get_locale() or "en")
    except RuntimeError:  # no app context at all
        return "en"


def sort_key(text: str) -> str:
    """Return a key that sorts words as a reader expects: accents and case aside ("Índia" near "Indonésia")."""
    return "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c)).casefold()


def translated(text: str | None) -> str:
    """Return a name stored in English (a focus area, topic, country, city) in the reader's language.

    Reference data is stored as its English text and marked with `_l` where it ships (experts/data.py), so
    the catalogues carry its translations; names organizers add or edit show as they were typed.
    """
    if not text:
        return ""
    return get_translations().ugettext(str(text))


def sorted_by_name(items, attribute: str = "name") -> list:
    """Return reference objects sorted by their translated name (focus areas, topics, cities in the reader's order)."""
    return sorted(items, key=lambda item: sort_key(translated(getattr(item, attribute))))


def format_number(value: float | int, *, signed: bool = False, digits: int = 1) -> str:
    """Return a number with the reader's decimal sign and grouping (1.5 -> "1,5" in pt), "+" first when signed."""
    fraction = "#" * digits
    pattern = f"#,##0.{fraction}" if digits else "#,##0"
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(value, format=pattern, locale=current_locale())


def language_labels() -> list[tuple[str, str]]:
    """Return (language code, the word "Language" in it), the reader's first, each different word once."""
    current = current_locale()
    codes = [current, *(c for c in current_app.config["LANGUAGES"] if c != current)]
    seen: set[str] = set()
    labels = []
    for code in codes:
        with force_locale(code):
            word = _("Language")
        if word not in seen:
            seen.add(word)
            labels.append((code, word))
    return labels


@lru_cache(maxsize=16)
def js_msgids(*scripts: str) -> tuple[tuple[str, str | None], ...]:
    """Return (msgid, plural msgid or None) of every string marked in the named page scripts (static/js/<name>),
    or in every one of them when none is named; read once per process."""
    paths = [STATIC_JS / name for name in scripts] if scripts else sorted(STATIC_JS.glob("**/*.js"))
    found: dict[tuple[str, str | None], None] = {}
    for path in paths:
        with path.open("rb") as handle:
            for _lineno, message, _comments, _context in extract("javascript", handle, keywords=JS_KEYWORDS):
                key = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
                found[key] = None
    return tuple(found)


def js_catalog(*scripts: str) -> dict:
    """Return what the named page scripts (all of them when none is named) need to show their words in the
    reader's language: the one catalogue of page scripts, which static/js/i18n.js reads.

    {"locale", "plural": a gettext plural expression in n, "nplurals", "messages": {msgid: text or [forms]}}
    A page carries it only when it loads a script that shows words (templates/_macros.html: script_messages).
    """
    translations = get_translations()
    # The catalogue's header (msgid ""), where its plural rule is written; Flask-Babel merges catalogues, which
    # keeps the header entry but not the parsed header fields.
    header = getattr(translations, "_catalog", {}).get("", "")  # noqa: SLF001 - no public accessor
    nplurals, plural = 2, "(n != 1)"
    match = re.search(r"nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*([^;\n]+)", header)
    if match and _PLURAL_EXPRESSION.match(match.group(2)):
        nplurals, plural = int(match.group(1)), match.group(2).strip()
    messages: dict[str, str | list[str]] = {}
    for msgid, plural_id in js_msgids(*scripts):
        if plural_id is None:
            messages[msgid] = translations.ugettext(msgid)
        else:
            # One sample n per plural form: the form the catalogue's rule picks for it.
            forms: dict[int, str] = {}
            for n in (*range(200), 1000, 1_000_000):
                index = int(translations.plural(n)) if hasattr(translations, "plural") else int(n != 1)
                forms.setdefault(index, translations.ungettext(msgid, plural_id, n))
                if len(forms) >= nplurals:
                    break
            messages[msgid] = [forms.get(i, plural_id) for i in range(nplurals)]
    return {"locale": current_locale(), "plural": plural, "nplurals": nplurals, "messages": messages}
