"""`exchange i18n …`: the maintainer's commands."""

from __future__ import annotations

import shutil

from babel.messages.pofile import read_po, write_po

from exchange.common import catalogs


def test_check_passes_on_the_shipped_catalogues(run):
    result = run("i18n", "check")
    assert result.exit_code == 0, result.output
    assert "All catalogues are complete, up to date and compiled." in result.output
    assert "pt: " in result.output and " messages" in result.output


def test_extract_writes_a_template_of_every_marked_string(run, tmp_path):
    target = tmp_path / "messages.pot"
    result = run("i18n", "extract", "-o", str(target))
    assert result.exit_code == 0, result.output
    with target.open("rb") as handle:
        template = read_po(handle)
    assert template["Your profile is saved."] is not None  # Python (_)
    assert template["Embedding a Culture of Innovation"] is not None  # reference data (_l)
    assert template["Hello %(name)s,"] is not None  # email templates
    assert all(not location[1] for m in template for location in m.locations)  # no line numbers: fewer conflicts


def test_check_fails_and_says_what_to_do_when_a_catalogue_is_behind(run, tmp_path, monkeypatch):
    folder = tmp_path / "translations"
    shutil.copytree(catalogs.TRANSLATIONS, folder, ignore=shutil.ignore_patterns("*.pot"))
    po = catalogs.po_path("es", folder)
    catalog = catalogs.read_catalog("es", folder)
    del catalog["Your profile is saved."]
    with po.open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(catalogs, "TRANSLATIONS", folder)
    result = run("i18n", "check")
    assert result.exit_code == 1
    assert "es: not in the catalogue (run `exchange i18n update`): 'Your profile is saved.'" in result.output
    assert "es: messages.mo is older than messages.po (run `exchange i18n compile`)" in result.output
