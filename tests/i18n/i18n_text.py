"""What a reader sees, and whether any of our English sentences is in it (shared by the language tests)."""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

from exchange.common import catalogs

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SHOWN_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder", "label")
# English words no Portuguese (or Spanish, or French) sentence uses: a net for text nobody marked.
ENGLISH_WORDS = {"the", "your", "you", "with", "and", "this", "is", "are", "not", "has", "have", "will", "been",
                 "there", "please", "here", "which", "when", "what"}
_URL_OR_EMAIL = re.compile(r"\S+@\S+|\w+://\S+")
# IANA zone names (America/Sao_Paulo, Brazil/East) are identifiers, shown beside the translated city on purpose.
_ZONE_ID = re.compile(r"\b[A-Za-z_]+(?:/[A-Za-z0-9_+-]+)+")


class _Visible(HTMLParser):
    """Collect the text a reader sees or hears, leaving out scripts and passages marked as another language."""

    def __init__(self, page_lang: str):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden)

    @property
    def hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = (attrs.get("lang") or "").split("-")[0]
        hidden = self.hidden or tag in ("script", "style") or bool(lang and lang != self.page_lang and tag != "html")
        if not hidden:
            self.parts += [attrs[a] for a in SHOWN_ATTRIBUTES if attrs.get(a)]
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def page_lang(html: str) -> str:
    match = re.search(r'<html[^>]*\blang="([^"]+)"', html)
    return match.group(1) if match else ""


def visible_parts(html: str, lang: str | None = None) -> list[str]:
    """Return each piece of text a reader sees or hears: text nodes, labels, alt texts, button captions."""
    parser = _Visible(lang or page_lang(html) or "en")
    parser.feed(html)
    return [" ".join(part.split()) for part in parser.parts if part.strip()]


def visible_text(html: str, lang: str | None = None) -> str:
    """Return the visible text of a page in one line."""
    return " ".join(visible_parts(html, lang))


def _pattern(msgid: str) -> re.Pattern | None:
    """A regex for a message of two words or more as it reads once its placeholders are filled in."""
    pieces = catalogs.PLACEHOLDER.split(msgid)
    if len(re.findall(r"[A-Za-z]{2,}", " ".join(pieces))) < 2:
        return None
    body = ".{1,80}?".join(r"\s+".join(re.escape(w) for w in piece.split()) for piece in pieces)
    start = r"\b" if re.match(r"\w", msgid) else ""
    end = r"\b" if re.search(r"\w$", msgid) else ""
    return re.compile(start + body.strip() + end)


@lru_cache(maxsize=8)
def english_messages(lang: str) -> tuple[tuple[tuple[str, str, re.Pattern], ...], frozenset[str]]:
    """Return ((msgid, its longest word, pattern) of longer messages, one-word messages) translated differently."""
    patterns, words = [], set()
    for message in catalogs.read_catalog(lang):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if msgid in strings:
                continue  # the same in both languages: a name such as "Lagos" or "Peer Exchange"
            pattern = _pattern(msgid)
            if pattern is not None:
                longest = max(re.findall(r"[A-Za-z']+", catalogs.PLACEHOLDER.sub(" ", msgid)), key=len)
                patterns.append((msgid, longest, pattern))
            elif re.fullmatch(r"[A-Za-z][A-Za-z.'-]+:?", msgid):
                words.add(msgid.rstrip(":"))
    return tuple(patterns), frozenset(words)


def english_in(text: str | list[str], lang: str) -> list[str]:
    """Return our English messages (and stray English words) found in text meant to be in `lang`.

    Messages of two words or more are looked for anywhere; one-word ones ("Profile", "Search") only as a
    whole piece of text (a label, a button, a heading, a line), where a proper name cannot be mistaken for them.
    """
    parts = text.splitlines() if isinstance(text, str) else text
    parts = [_ZONE_ID.sub(" ", " ".join(part.split())).strip() for part in parts]
    joined = " ".join(parts)
    patterns, words = english_messages(lang)
    found = [msgid for msgid, word, pattern in patterns if word in joined and pattern.search(joined)]
    found += sorted({part.rstrip(":").strip() for part in parts} & words)
    stray = set(re.findall(r"[a-z]+", _URL_OR_EMAIL.sub(" ", joined).lower()))
    found += sorted(f"word: {w}" for w in stray & ENGLISH_WORDS)
    return found
