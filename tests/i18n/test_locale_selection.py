"""Which language a page speaks (profile, then the switcher's choice, then the browser), and the switcher itself."""

from __future__ import annotations

import re

import pytest
from i18n_text import page_lang

from exchange.config import SUPPORTED_LANGUAGES


@pytest.mark.parametrize(("accept", "lang", "title"), [
    ("pt-BR,pt;q=0.9,en;q=0.5", "pt", "Intercâmbios entre pares das megacidades do mundo"),
    ("es-MX,es;q=0.9", "es", "Intercambios entre pares de las megaciudades del mundo"),
    ("fr-CD,fr;q=0.8", "fr", "Des échanges entre pairs pour les mégapoles du monde"),
    ("de-DE,de;q=0.9", "en", "Peer exchanges between the world's megacities"),  # not shipped: English
    ("", "en", "Peer exchanges between the world's megacities"),
])
def test_a_visitor_gets_the_browsers_language(client, accept, lang, title):
    html = client.get("/", headers={"Accept-Language": accept} if accept else {}).get_data(as_text=True)
    assert page_lang(html) == lang
    assert title in html


def test_the_switchers_choice_beats_the_browser_for_a_visitor(client):
    browser = {"Accept-Language": "pt-BR"}
    response = client.submit("/language", {"lang": "fr", "next": "/experts/"}, page="/", headers=browser)
    assert response.status_code == 302 and response.headers["Location"].endswith("/experts/")
    html = client.get("/experts/", headers=browser).get_data(as_text=True)
    assert page_lang(html) == "fr" and "Experts pairs" in html


@pytest.mark.parametrize("lang", ["xx", "", "en-GB"])
def test_an_unknown_choice_changes_nothing(client, lang):
    client.submit("/language", {"lang": lang}, page="/", headers={"Accept-Language": "es"})
    assert page_lang(client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)) == "es"


def test_the_profiles_language_beats_the_switcher_and_the_browser(client, db, make_user, login_as):
    with client.session_transaction() as sess:
        sess["lang"] = "fr"  # chosen before logging in
    login_as(make_user(language="es"))
    html = client.get("/accounts/profile", headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    assert page_lang(html) == "es" and "Su perfil" in html


def test_switching_while_logged_in_keeps_the_choice_in_the_profile(app, client, db, make_user, login_as):
    user = make_user(language="en")
    login_as(user)
    client.submit("/language", {"lang": "pt", "next": "/accounts/profile"}, page="/")
    db.session.refresh(user)
    assert user.language == "pt"
    other_device = login_as(user, app.test_client())  # the profile follows the person to a new browser
    assert page_lang(other_device.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)) == "pt"


def _html_pages(app) -> list[str]:
    """Every GET page without arguments in the URL map (feeds, files and JSON left out)."""
    skip = ("/static", "/healthz", "/calendar/", "/api/")
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(skip))


def test_every_page_has_the_switcher_named_in_every_language(app, client, db, make_user, login_as):
    login_as(make_user(role="admin", language="pt"))
    pages = [*_html_pages(app), "/no-such-page"]
    assert {"/", "/accounts/profile", "/experts/", "/cities/", "/outbox/"} <= set(pages)
    checked = []
    for url in pages:
        response = client.get(url)
        if response.status_code in (301, 302) or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        assert page_lang(html) == "pt", url
        label = re.search(r'<label for="lang-switch">(.*?)</label>', html, re.S)
        assert label, f"no language switcher on {url}"
        assert label.group(1).startswith("Idioma")  # the reader's word first
        assert '<span lang="en">Language</span>' in label.group(1) and '<span lang="fr">Langue</span>' in label.group(1)
        options = re.findall(r'<option value="(\w+)" lang="\1"[^>]*>([^<]+)</option>', html)
        assert dict(options) == SUPPORTED_LANGUAGES, url  # each language named in itself
        checked.append(url)
    assert len(checked) >= 12 and "/no-such-page" in checked  # error pages too


def test_the_switcher_returns_to_the_page_it_was_used_on(client):
    html = client.get("/cities/?x=1", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/cities/?x=1">' in html
