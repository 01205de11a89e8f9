"""Languages in a real browser: a Portuguese browser gets Portuguese, the switcher works, page scripts get
their messages without breaking the Content-Security-Policy."""

from __future__ import annotations

from tests.browser.helpers import check_accessibility, dump


def test_a_portuguese_browser_gets_portuguese_and_can_switch(new_page, shots, axe_source):
    page = new_page(locale="pt-BR", timezone_id="America/Sao_Paulo")
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto("/accounts/signup")
    assert page.get_attribute("html", "lang") == "pt"
    assert page.get_by_label("Fuso horário").input_value() == "America/Sao_Paulo"  # detected, in a localized list
    assert page.get_by_label("Idioma", exact=True).input_value() == "pt"
    # Pages whose scripts show no words carry no messages for them (the live room does: test_live_room_in_browsers.py).
    assert page.evaluate("typeof window.i18n") == "undefined"
    shots.take(page, "signup-pt")
    violations = check_accessibility(page, axe_source)
    assert violations == [], dump(violations)

    page.get_by_label("Idioma / Language / Langue").select_option("fr")
    page.get_by_role("button", name="Trocar").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "fr"
    assert "Créez votre compte" in page.inner_text("main")
    shots.take(page, "signup-fr")
    assert problems == []  # no refused script or style (the messages block is data, not code)
