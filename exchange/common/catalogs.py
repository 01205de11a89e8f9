"""Translation catalogues: extract the marked strings, merge them into each language, compile, check.

The maintainer's loop after any change to user-facing text (README "Languages"):
    exchange i18n update      # extract from the sources (babel.cfg) and merge into every messages.po
    (translate the new and the fuzzy entries in exchange/translations/<lang>/LC_MESSAGES/messages.po)
    exchange i18n compile     # messages.po -> messages.mo (both are committed)
    exchange i18n check       # what the tests check: complete, up to date, compiled
"""

from __future__ import annotations

import configparser
import gettext
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = ROOT / "exchange"
TRANSLATIONS = PACKAGE / "translations"
MAPPING = ROOT / "babel.cfg"
DOMAIN = "messages"
PROJECT = "Peer Exchange"
# gettext's usual names plus Flask-Babel's lazy ones (`_l` is how Python code marks strings here).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2),
            "lazy_pgettext": ((1, "c"), 2)}
COMMENT_TAGS = ("Translators:",)
PO_WIDTH = 100
# %(name)s, %(n)d, %s, %% — what Python's % operator fills in; they must survive translation unchanged.
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifeEgGxXor%]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


# -- extraction ---------------------------------------------------------------------------------------

def read_mapping(path: Path = MAPPING) -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """Return the (pattern, method) list and per-pattern options of a babel.cfg."""
    parser = configparser.RawConfigParser()
    parser.read_string(path.read_text(encoding="utf-8"))
    method_map, options_map = [], {}
    for section in parser.sections():
        method, _, pattern = section.partition(":")
        method_map.append((pattern.strip(), method.strip()))
        options_map[pattern.strip()] = dict(parser.items(section))
    return method_map, options_map


def extract_catalog(root: Path = ROOT) -> Catalog:
    """Return a template catalogue of every string marked in the sources babel.cfg names."""
    method_map, options_map = read_mapping(root / "babel.cfg")
    template = Catalog(project=PROJECT, charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
            strip_comment_tags=True):
        template.add(message, None, [(filename.replace("\\", "/"), lineno)], auto_comments=comments, context=context)
    return template


def _po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    # No line numbers: an edit elsewhere in a file does not touch every catalogue (fewer merge conflicts).
    write_po(buffer, catalog, width=PO_WIDTH, include_lineno=False, ignore_obsolete=True)
    return buffer.getvalue()


def write_template(template: Catalog, path: Path | None = None) -> Path:
    """Write the template (messages.pot, not committed: `update` makes a fresh one)."""
    path = path or TRANSLATIONS / f"{DOMAIN}.pot"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_po_bytes(template))
    return path


# -- per language -------------------------------------------------------------------------------------

def po_path(lang: str, folder: Path = TRANSLATIONS) -> Path:
    return folder / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def languages(folder: Path = TRANSLATIONS) -> list[str]:
    """Return the languages that have a catalogue, sorted."""
    return sorted(p.parent.parent.name for p in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def read_catalog(lang: str, folder: Path = TRANSLATIONS) -> Catalog:
    with po_path(lang, folder).open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def _entries(catalog: Catalog) -> set[tuple[str, str | None]]:
    return {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}


def init_language(lang: str, template: Catalog, folder: Path = TRANSLATIONS) -> Path:
    """Create the catalogue of a new language from the template (every entry untranslated)."""
    path = po_path(lang, folder)
    if path.exists():
        raise FileExistsError(f"{path} exists already; use update")
    catalog = Catalog(locale=lang, domain=DOMAIN, project=PROJECT, version=_version(), charset="utf-8", fuzzy=False,
                      copyright_holder="the Peer Exchange contributors", msgid_bugs_address="",
                      last_translator="Peer Exchange translators", language_team=f"{lang} (Peer Exchange)")
    catalog.header_comment = (f"# {PROJECT}: {lang} translation (MIT licence, like the project).\n"
                              "# Keep it current with `exchange i18n update` (README, \"Languages\").")
    catalog.update(template, no_fuzzy_matching=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_po_bytes(catalog))
    return path


def _version() -> str:
    try:
        return metadata.version("peer-exchange")
    except metadata.PackageNotFoundError:  # running from a checkout that is not installed
        return "0"


def update_language(lang: str, template: Catalog, folder: Path = TRANSLATIONS) -> tuple[int, int]:
    """Merge the template into one language: new entries empty, changed ones fuzzy, removed ones dropped.

    Return (entries added, entries removed). The file is rewritten only when its entries change, so the
    dates in its header do not churn.
    """
    catalog = read_catalog(lang, folder)
    before = _entries(catalog)
    old_bytes = _po_bytes(catalog)
    catalog.update(template)  # fuzzy matching proposes the old translation of an edited msgid, marked fuzzy
    after = _entries(catalog)
    new_bytes = _po_bytes(catalog)
    if after != before or _without_header(new_bytes) != _without_header(old_bytes):
        po_path(lang, folder).write_bytes(new_bytes)
    return len(after - before), len(before - after)


def _without_header(data: bytes) -> bytes:
    """Return a .po file's entries without the header entry (whose dates change on every update)."""
    text = data.decode("utf-8")
    start = text.find('\n\n', text.find('msgid ""'))
    return text[start:].encode("utf-8") if start != -1 else data


def compile_language(lang: str, folder: Path = TRANSLATIONS) -> Path:
    """Write messages.mo from messages.po (fuzzy and empty entries left out: they show in English)."""
    catalog = read_catalog(lang, folder)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    path = po_path(lang, folder).with_suffix(".mo")
    if not path.exists() or path.read_bytes() != buffer.getvalue():
        path.write_bytes(buffer.getvalue())
    return path


# -- checks (the tests and `exchange i18n check` use these) --------------------------------------------

def placeholders(text: str) -> Counter:
    """Return the %-placeholders in a message (with their counts)."""
    return Counter(PLACEHOLDER.findall(text))


def html_tags(text: str) -> Counter:
    return Counter(HTML_TAG.findall(text))


def _forms(message: Message) -> list[str]:
    if isinstance(message.string, (list, tuple)):
        return list(message.string)
    return [message.string or ""]


def _label(message: Message) -> str:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return repr(msgid if len(msgid) <= 70 else msgid[:67] + "...")


def translation_problems(catalog: Catalog) -> list[str]:
    """Return what is wrong with a catalogue's translations: empty, fuzzy, placeholders or HTML changed."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        forms = _forms(message)
        if message.fuzzy:
            problems.append(f"fuzzy (check it, then remove the fuzzy flag): {_label(message)}")
        if not all(form.strip() for form in forms):
            problems.append(f"not translated: {_label(message)}")
            continue
        source = message.id if isinstance(message.id, str) else message.id[1]
        # Template strings are always %-formatted: a lone "%" in a translation would break the page, so any
        # difference counts (write "por cento", or "%%" where the source has placeholders).
        wanted = placeholders(source)
        for form in forms:
            if placeholders(form) != wanted:
                problems.append(f"placeholders differ ({sorted(wanted)} vs {sorted(placeholders(form))}): "
                                f"{_label(message)}")
                break
        for form in forms:
            if html_tags(form) != html_tags(source):
                problems.append(f"HTML tags differ: {_label(message)}")
                break
    return problems


def staleness(template: Catalog, catalog: Catalog) -> tuple[list[str], list[str]]:
    """Return (msgids in the sources missing from the catalogue, msgids in the catalogue no source uses)."""
    wanted, have = _entries(template), _entries(catalog)
    return sorted(m for m, _ctx in wanted - have), sorted(m for m, _ctx in have - wanted)


def compiled_problems(lang: str, folder: Path = TRANSLATIONS) -> list[str]:
    """Return why messages.mo does not say what messages.po says (missing, or compiled from an older .po)."""
    path = po_path(lang, folder).with_suffix(".mo")
    if not path.exists():
        return [f"{path.relative_to(folder.parent) if folder.parent in path.parents else path} is missing"]
    with path.open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)  # noqa: SLF001 - the parsed .mo itself
    compiled.pop("", None)
    expected: dict = {}
    for message in read_catalog(lang, folder):
        if not message.id or message.fuzzy or not all(_forms(message)):
            continue
        if isinstance(message.id, str):
            expected[message.id if not message.context else f"{message.context}\x04{message.id}"] = message.string
        else:
            key = message.id[0] if not message.context else f"{message.context}\x04{message.id[0]}"
            for index, form in enumerate(message.string):
                expected[(key, index)] = form
    if compiled != expected:
        return [f"{lang}: messages.mo is older than messages.po (run `exchange i18n compile`)"]
    return []


@dataclass
class Report:
    """The state of every catalogue: what `exchange i18n check` prints."""

    languages: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def check_all(folder: Path | None = None, root: Path | None = None) -> Report:
    """Check every catalogue: translated, up to date with the sources, compiled."""
    folder, root = folder or TRANSLATIONS, root or ROOT
    template = extract_catalog(root)
    report = Report(languages=languages(folder))
    for lang in report.languages:
        catalog = read_catalog(lang, folder)
        report.counts[lang] = len([m for m in catalog if m.id])
        missing, unused = staleness(template, catalog)
        report.problems += [f"{lang}: not in the catalogue (run `exchange i18n update`): {m!r}" for m in missing]
        report.problems += [f"{lang}: no longer in the sources (run `exchange i18n update`): {m!r}" for m in unused]
        report.problems += [f"{lang}: {p}" for p in translation_problems(catalog)]
        report.problems += compiled_problems(lang, folder)
    return report
