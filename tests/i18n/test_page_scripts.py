"""Strings in page scripts (static/js/*.js) are extracted like the others and reach the page translated."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from flask_babel import force_locale

from exchange.common import catalogs, i18n

SCRIPT = """
var join = _("Join the session");
var found = ngettext("%(num)d expert found.", "%(num)d experts found.", count, {num: count});
"""


@pytest.fixture
def page_script(tmp_path, monkeypatch):
    """A scripts folder with one file that uses two strings the catalogues already translate."""
    folder = tmp_path / "js"
    folder.mkdir()
    (folder / "live.js").write_text(SCRIPT)
    monkeypatch.setattr(i18n, "STATIC_JS", folder)
    i18n.js_msgids.cache_clear()
    yield folder
    i18n.js_msgids.cache_clear()


def test_script_strings_are_extracted_into_the_catalogue_template(tmp_path):
    (tmp_path / "static" / "js").mkdir(parents=True)
    (tmp_path / "static" / "js" / "live.js").write_text('el.textContent = _("A new question arrived");\n')
    shutil.copy(catalogs.MAPPING, tmp_path / "babel.cfg")
    template = catalogs.extract_catalog(tmp_path)
    message = template["A new question arrived"]
    assert message is not None and message.locations[0][0] == "static/js/live.js"


@pytest.mark.parametrize(("lang", "join", "forms", "plural"), [
    ("fr", "Rejoindre la session", ["%(num)d expert trouvé.", "%(num)d experts trouvés."], "(n > 1)"),
    ("pt", "Entrar na sessão", ["%(num)d especialista encontrado.", "%(num)d especialistas encontrados."], "(n != 1)"),
    ("en", "Join the session", ["%(num)d expert found.", "%(num)d experts found."], "(n != 1)"),
])
def test_the_page_gets_the_translations_of_its_scripts(app, page_script, lang, join, forms, plural):
    with app.test_request_context(), force_locale(lang):
        catalog = i18n.js_catalog()
    assert catalog["locale"] == lang and catalog["plural"] == plural
    assert catalog["messages"] == {"Join the session": join, "%(num)d expert found.": forms}


def messages_block(html: str) -> dict | None:
    block = re.search(r'<script type="application/json" id="i18n-messages">(.*?)</script>', html, re.S)
    return json.loads(block.group(1)) if block else None


def test_the_pages_whose_scripts_show_words_carry_their_messages_as_data_not_as_a_script(
        client, login_as, make_user, make_exchange, register, db):
    # A page without such a script carries neither the messages nor the script that reads them (pages stay light).
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert messages_block(html) is None and "js/i18n.js" not in html and 'src="/static/js/app.js' in html
    # The live room does: the messages of its script, in the reader's language, read before the script runs.
    reader = make_user(language="fr")
    exchange = make_exchange()
    exchange.sessions[0].room_status = "open"
    db.session.commit()
    register(reader, exchange)
    login_as(reader)
    html = client.get(f"/sessions/{exchange.sessions[0].id}/room").get_data(as_text=True)
    catalog = messages_block(html)
    assert catalog and catalog["locale"] == "fr" and catalog["plural"] == "(n > 1)"
    assert catalog["messages"]["%(num)d vote"] == ["%(num)d vote", "%(num)d votes"]
    assert catalog["messages"]["host"] == "hôte"  # the role labels too
    assert html.index('src="/static/js/i18n.js') < html.index('src="/static/js/live.js')  # ready before page scripts


NODE = r"""
const fs = require("fs"), vm = require("vm");
const data = JSON.parse(process.argv[2]);
const sandbox = {document: {documentElement: {lang: data.locale},
                            getElementById: () => ({textContent: JSON.stringify(data)})}};
sandbox.window = sandbox;
vm.runInNewContext(fs.readFileSync(process.argv[1], "utf8"), sandbox);
const w = sandbox.window;
console.log(JSON.stringify([
  w._("Join the session"),
  w.ngettext("%(num)d expert found.", "%(num)d experts found.", 0, {num: 0}),
  w.ngettext("%(num)d expert found.", "%(num)d experts found.", 1, {num: 1}),
  w.ngettext("%(num)d expert found.", "%(num)d experts found.", 2, {num: 2}),
  w._("Not in the catalogue, %(name)s", {name: "Awa"}),
  w.i18n.locale,
]));
"""


@pytest.mark.parametrize(("lang", "expected"), [
    # French counts 0 as singular, Portuguese (as Babel ships it) as plural: the catalogue's own rule decides.
    ("fr", ["Rejoindre la session", "0 expert trouvé.", "1 expert trouvé.", "2 experts trouvés.",
            "Not in the catalogue, Awa", "fr"]),
    ("pt", ["Entrar na sessão", "0 especialistas encontrados.", "1 especialista encontrado.",
            "2 especialistas encontrados.", "Not in the catalogue, Awa", "pt"]),
])
def test_the_browser_side_translates_fills_in_and_picks_plural_forms(app, page_script, lang, expected):
    assert shutil.which("node"), "node is needed to run the page script (it also runs the calendar checks)"
    with app.test_request_context(), force_locale(lang):
        catalog = i18n.js_catalog()
    result = subprocess.run(["node", "-e", NODE, "static/js/i18n.js", json.dumps(catalog)], capture_output=True, text=True,
                            timeout=60, check=True, cwd=catalogs.ROOT)
    assert json.loads(result.stdout) == expected
