"""Dates, times, numbers and time-zone names as each reader writes them (Babel/CLDR)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import pytest
from flask import render_template_string
from flask_babel import force_locale

from exchange.common.i18n import sort_key
from exchange.common.time import (
    ZONE_REGIONS,
    canonical_zone_names,
    is_zone,
    zone_choices,
    zone_label,
    zone_name,
)

SUMMER = datetime(2026, 7, 10, 13, 0, tzinfo=UTC)
MARCH = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(("zone", "locale", "label"), [
    ("America/New_York", "en", "New York, UTC−4"),
    ("America/New_York", "pt", "Nova York, UTC−4"),
    ("America/New_York", "es", "Nueva York, UTC−4"),
    ("America/Mexico_City", "fr", "Mexico, UTC−6"),
    ("Asia/Shanghai", "pt", "Xangai, UTC+8"),
    ("Europe/London", "es", "Londres, UTC+1"),
    ("Asia/Kolkata", "fr", "Calcutta, UTC+5:30"),  # Babel 2.19's CLDR data spells it so in French
    ("America/Argentina/Buenos_Aires", "fr", "Buenos Aires, UTC−3"),  # no CLDR name: the IANA city, readable
    ("UTC", "pt", "UTC"),  # no city to name: just UTC
])
def test_zone_labels_name_the_city_in_the_readers_language(zone, locale, label):
    assert zone_label(zone, SUMMER, locale) == label


def test_zone_labels_follow_the_current_locale(app):
    with app.test_request_context(headers={"Accept-Language": "pt-BR"}):
        assert zone_label("Africa/Kinshasa", SUMMER) == "Kinshasa, UTC+1"
        assert zone_name("America/New_York") == "Nova York (America/New_York)"
        with force_locale("es"):
            assert zone_name("America/New_York") == "Nueva York (America/New_York)"


@pytest.mark.parametrize("locale", ["en", "es", "pt", "fr"])
def test_the_zone_picker_offers_each_canonical_zone_once_grouped_by_region(locale):
    groups = zone_choices(locale)
    assert groups[0] == (None, (("UTC", "UTC"),))
    assert [region for region, _ in groups[1:]] == [r for r in ZONE_REGIONS if any(r == region for region, _ in groups)]
    zones = [z for _, pairs in groups for z, _ in pairs]
    assert Counter(zones) == Counter(canonical_zone_names())
    assert 350 < len(zones) < 450  # not the ~590 names with every alias
    for region, pairs in groups[1:]:
        assert all(z.startswith(region + "/") for z, _ in pairs)
    for old in ("US/Eastern", "Asia/Calcutta", "America/Buenos_Aires", "Europe/Kiev", "Etc/GMT+5", "EST5EDT"):
        assert old not in zones
    for current in ("Asia/Kolkata", "America/Argentina/Buenos_Aires", "Europe/Kyiv", "Africa/Lagos", "America/New_York"):
        assert current in zones
    labels = [label for _, pairs in groups for _, label in pairs]
    assert len(set(labels)) == len(labels)


def test_old_zone_names_are_still_accepted():
    assert is_zone("US/Eastern") and is_zone("Asia/Calcutta")
    assert not is_zone("Mars/Olympus_Mons")


@pytest.mark.parametrize(("locale", "zone", "label"), [
    ("pt", "America/Sao_Paulo", "Brasil — São Paulo"),
    ("es", "America/Mexico_City", "México — Ciudad de México"),
    ("fr", "Africa/Kinshasa", "Congo-Kinshasa — Kinshasa"),
    ("en", "Asia/Jakarta", "Indonesia — Jakarta"),
    ("pt", "Asia/Kolkata", "Índia — Calcutá"),
])
def test_zone_picker_labels_are_country_and_city_sorted_for_the_reader(locale, zone, label):
    groups = zone_choices(locale)
    assert dict(pair for _, pairs in groups for pair in pairs)[zone] == label
    for _, pairs in groups[1:]:
        keys = [sort_key(label) for _, label in pairs]
        assert keys == sorted(keys)  # "Índia" sorts with the I's, as the reader looks for it


def test_the_sign_up_form_lists_zones_in_the_readers_language(client):
    html = client.get("/accounts/signup", headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    assert '<option value="America/Sao_Paulo">Brasil — São Paulo</option>' in html


def test_the_zone_picker_groups_zones_by_region_in_the_readers_language_with_a_search(client):
    html = client.get("/accounts/signup", headers={"Accept-Language": "es"}).get_data(as_text=True)
    picker = html[re.search(r'<select[^>]*id="timezone"', html).start():]
    picker = picker[:picker.index("</select>")]
    assert picker.index('value="UTC"') < picker.index('<optgroup label="África">')  # UTC first, in no group
    assert '<optgroup label="Océano Pacífico">' in picker
    group = picker[picker.index('<optgroup label="África">'):]
    assert group.index('value="Africa/Lagos"') < group.index("</optgroup>")
    assert "US/Eastern" not in picker and "Asia/Calcutta" not in picker
    # The search box, shown by app.js, labelled in the reader's language; the select works alone.
    assert '<label for="timezone-search">Buscar una ciudad o un país</label>' in html
    assert 'data-zone-search="timezone"' in html


def test_a_profile_with_an_old_zone_name_keeps_it_selected(client, make_user, login_as):
    user = make_user(email="old@example.org", timezone="US/Eastern")
    login_as(user)
    html = client.get("/accounts/profile").get_data(as_text=True)
    assert '<option selected value="US/Eastern">' in html or 'value="US/Eastern" selected' in html


@pytest.mark.parametrize(("locale", "text"), [
    ("en", "Tue, Mar 10, 2026, 10:00\u202fAM (São Paulo, UTC−3)"),
    ("pt", "ter., 10 de mar. de 2026 10:00 (São Paulo, UTC−3)"),
    ("es", "mar, 10 mar 2026, 10:00 (São Paulo, UTC−3)"),
    ("fr", "mar. 10 mars 2026, 10:00 (São Paulo, UTC−3)"),
])
def test_localtime_writes_dates_the_readers_way(app, locale, text):
    with app.test_request_context(), force_locale(locale):
        assert render_template_string("{{ t|localtime('America/Sao_Paulo') }}", t=MARCH) == text


@pytest.mark.parametrize(("locale", "plain", "signed"), [
    ("en", "22.8", "+1.5"), ("pt", "22,8", "+1,5"), ("es", "22,8", "+1,5"), ("fr", "22,8", "+1,5"),
])
def test_numbers_use_the_readers_decimal_sign(app, locale, plain, signed):
    with app.test_request_context(), force_locale(locale):
        assert render_template_string("{{ 22.8|number }} {{ 1.5|number(signed=true) }} {{ -2|number(signed=true) }}") \
            == f"{plain} {signed} -2"


def test_city_populations_are_written_the_readers_way(client, reference):
    html = client.get("/cities/", headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    assert "22,8 milhões" in html  # São Paulo
    html = client.get("/cities/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "22.8 million" in html


def test_the_footer_names_the_readers_zone_in_their_language(client, make_user, login_as):
    login_as(make_user(language="es", timezone="America/Mexico_City"))
    html = client.get("/").get_data(as_text=True)
    assert "Las horas se muestran en la zona Ciudad de México (America/Mexico_City)." in html
