"""The shipped catalogues: every string translated, placeholders kept, up to date with the sources, compiled."""

from __future__ import annotations

import gettext
import shutil

import pytest
from babel.messages.pofile import read_po, write_po

from exchange.common import catalogs
from exchange.config import SUPPORTED_LANGUAGES

SHIPPED = sorted(set(SUPPORTED_LANGUAGES) - {"en"})  # English is the source language


@pytest.fixture(scope="module")
def template():
    """A fresh extraction from the sources, as `exchange i18n extract` makes it."""
    return catalogs.extract_catalog()


def _po(lang: str):
    with catalogs.po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def test_every_shipped_language_has_a_catalogue_and_nothing_else_is_shipped_half_done():
    assert catalogs.languages() == SHIPPED


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_message_is_translated_and_not_fuzzy(lang):
    catalog = _po(lang)
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(form and form.strip() for form in forms):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"{lang}: translate these (exchange/translations/{lang}/LC_MESSAGES/messages.po)"
    assert not fuzzy, f"{lang}: check these fuzzy entries and remove their fuzzy flag"
    assert len(catalog) > 500  # the whole interface, not a sample


@pytest.mark.parametrize("lang", SHIPPED)
def test_placeholders_and_html_survive_translation(lang):
    problems = []
    for message in _po(lang):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[1]
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for form in forms:
            if catalogs.placeholders(form) != catalogs.placeholders(source):
                problems.append((source, form))
            if catalogs.html_tags(form) != catalogs.html_tags(source):
                problems.append((source, form))
    assert problems == []


@pytest.mark.parametrize(("source", "translation", "same"), [
    ("Hello %(name)s,", "Olá, %(name)s,", True),
    ("Hello %(name)s,", "Olá, %(nome)s,", False),          # renamed: KeyError when rendered
    ("Hello %(name)s,", "Olá,", False),                    # dropped
    ("%(num)d expert found.", "%(num)s especialista.", False),  # conversion changed
    ("Save profile", "Salvar 100 % do perfil", False),     # a lone % breaks %-formatting in templates
    ("Page %(page)d of %(pages)d", "Página %(page)d de %(pages)d", True),
])
def test_the_placeholder_check_catches_broken_translations(source, translation, same):
    assert (catalogs.placeholders(source) == catalogs.placeholders(translation)) is same


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_catalogue_is_up_to_date_with_the_sources(lang, template):
    missing, unused = catalogs.staleness(template, _po(lang))
    assert missing == [], "strings in the sources that the catalogue lacks: run `exchange i18n update`, then translate"
    assert unused == [], "entries no source uses any more: run `exchange i18n update`"


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_compiled_catalogue_says_what_the_po_file_says(lang):
    with catalogs.po_path(lang).with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in _po(lang):
        if not message.id:
            continue
        if isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, "run `exchange i18n compile`"
        else:
            assert compiled.ngettext(message.id[0], message.id[1], 1) in message.string
    assert catalogs.compiled_problems(lang) == []


def test_checks_notice_a_new_string_a_stale_mo_and_a_missing_translation(tmp_path):
    """The same checks on a copy: each kind of neglect is reported (so the tests above can fail)."""
    template = catalogs.extract_catalog()  # its own: this test adds to it
    folder = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS, folder, ignore=shutil.ignore_patterns("*.pot"))
    assert catalogs.compiled_problems("pt", folder) == []
    # A new string in the sources: the catalogue lacks it.
    template.add("A sentence added by another branch.", locations=[("exchange/live/views.py", 1)])
    missing, _unused = catalogs.staleness(template, catalogs.read_catalog("pt", folder))
    assert missing == ["A sentence added by another branch."]
    # `update` merges it in, empty; the check then asks for its translation; the .mo follows the .po.
    added, removed = catalogs.update_language("pt", template, folder)
    assert (added, removed) == (1, 0)
    catalog = catalogs.read_catalog("pt", folder)
    assert catalogs.translation_problems(catalog) == ["not translated: 'A sentence added by another branch.'"]
    # Translating the .po without compiling leaves the .mo stale.
    catalog["A sentence added by another branch."].string = "Uma frase acrescentada por outro ramo."
    with catalogs.po_path("pt", folder).open("wb") as handle:  # as a translator's editor saves it
        write_po(handle, catalog)
    assert catalogs.compiled_problems("pt", folder) != []
    catalogs.compile_language("pt", folder)
    assert catalogs.compiled_problems("pt", folder) == []
    assert catalogs.translation_problems(catalogs.read_catalog("pt", folder)) == []


def test_an_edited_source_string_comes_back_fuzzy_for_review(tmp_path):
    folder = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS, folder, ignore=shutil.ignore_patterns("*.pot"))
    edited = catalogs.extract_catalog()
    message = edited["Your profile is saved."]
    del edited["Your profile is saved."]
    edited.add("Your profile has been saved.", locations=message.locations)
    catalogs.update_language("fr", edited, folder)
    catalog = catalogs.read_catalog("fr", folder)
    entry = catalog["Your profile has been saved."]
    assert entry.fuzzy and entry.string == "Votre profil est enregistré."  # proposed, to be checked
    assert "fuzzy (check it, then remove the fuzzy flag): 'Your profile has been saved.'" in \
        catalogs.translation_problems(catalog)
    assert catalog.get("Your profile is saved.") is None  # the old entry is gone, not kept as clutter


def test_updating_unchanged_sources_does_not_touch_the_files(tmp_path, template):
    folder = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS, folder, ignore=shutil.ignore_patterns("*.pot"))
    before = {lang: catalogs.po_path(lang, folder).read_bytes() for lang in SHIPPED}
    for lang in SHIPPED:
        assert catalogs.update_language(lang, template, folder) == (0, 0)
    assert {lang: catalogs.po_path(lang, folder).read_bytes() for lang in SHIPPED} == before
