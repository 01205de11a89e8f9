"""The scheduling assistant, checked against cases worked out by hand (January 2030: no daylight saving in play).

Working hours are 08:00–18:00 Monday–Friday locally unless an expert states availability. In January,
New York is UTC−5, Chicago UTC−6, Lagos UTC+1, Jakarta UTC+7 and Tokyo UTC+9.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from exchange.exchanges.assistant import (
    Participant,
    Window,
    candidates,
    distance,
    make_plan,
    plan_series,
    rank,
    series_burden,
)

NEW_YORK = Participant("New York", "America/New_York", "New York")
TOKYO = Participant("Tokyo", "Asia/Tokyo", "Tokyo")
LAGOS = Participant("Lagos", "Africa/Lagos", "Lagos")
CHICAGO = Participant("Chicago", "America/Chicago", "Chicago")
JAKARTA = Participant("Jakarta", "Asia/Jakarta", "Jakarta")
MONDAY = date(2030, 1, 7)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 1, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(("start", "minutes", "expected"), [
    (utc(7, 13), 60, 0),  # Monday 08:00–09:00 in New York: inside
    (utc(7, 12), 60, 60),  # 07:00: an hour early
    (utc(7, 22, 30), 60, 30),  # 17:30–18:30: half an hour late
    (utc(12, 15), 60, 17 * 60),  # Saturday 10:00: nearest is Friday's close, 17 hours back
    (utc(14, 4, 30), 60, 8 * 60 + 30),  # Sunday 23:30–Monday 00:30: Monday 08:00 is 8½ hours on
    (utc(7, 13), 11 * 60, 60),  # longer than the whole window: an hour too many
])
def test_distance_from_working_hours(start, minutes, expected):
    from datetime import timedelta

    assert distance(NEW_YORK, start, start + timedelta(minutes=minutes)) == expected


def test_new_york_and_lagos_share_four_hours_and_the_earliest_wins_ties():
    ranked = rank(candidates([NEW_YORK, LAGOS], first_day=MONDAY, last_day=MONDAY, zone="UTC", minutes=60))
    both = [p.start for p in ranked if p.inside == 2]
    # New York 13:00–23:00 UTC, Lagos 07:00–17:00 UTC: one-hour slots from 13:00 to 16:00 fit both.
    assert both == [utc(7, 13), utc(7, 13, 30), utc(7, 14), utc(7, 14, 30), utc(7, 15), utc(7, 15, 30), utc(7, 16)]
    assert ranked[0].start == utc(7, 13) and ranked[0].worst == 0


def test_new_york_and_tokyo_more_people_inside_beats_a_smaller_worst_case():
    ranked = rank(candidates([NEW_YORK, TOKYO], first_day=MONDAY, last_day=MONDAY, zone="UTC", minutes=60))
    # 22:00 UTC: New York 17:00 inside, Tokyo 07:00 an hour early. 23:00: Tokyo 08:00 inside, New York 18:00 late.
    assert [(p.start, p.inside, p.worst) for p in ranked[:4]] == [
        (utc(7, 22), 1, 60), (utc(7, 23), 1, 60), (utc(7, 21, 30), 1, 90), (utc(7, 23, 30), 1, 90)]
    # 22:30 leaves both only 30 minutes out, but nobody inside: it ranks below every slot with someone inside.
    compromise = next(i for i, p in enumerate(ranked) if p.start == utc(7, 22, 30))
    assert all(p.inside == 1 for p in ranked[:compromise])
    assert ranked[compromise].inside == 0 and ranked[compromise].worst == 30


def test_an_experts_stated_availability_replaces_the_default_hours():
    early = Participant("Marcus", "America/Chicago", "Chicago",
                        tuple(Window(d, 8 * 60, 17 * 60) for d in range(5)) + (Window(1, 6 * 60, 8 * 60),))
    tuesday = date(2030, 1, 8)
    with_window = rank(candidates([early, JAKARTA], first_day=tuesday, last_day=tuesday, zone="UTC", minutes=60))
    default = rank(candidates([CHICAGO, JAKARTA], first_day=tuesday, last_day=tuesday, zone="UTC", minutes=60))
    # With the 06:00 Tuesday window, 10:00 UTC (Chicago 04:00, Jakarta 17:00) is only 2 hours out; with the default
    # 08:00–18:00 it would be 4, and the best becomes 01:00 UTC (Chicago Monday 19:00, Jakarta 08:00), which the
    # expert's own hours (until 17:00) put 3 hours out.
    assert (with_window[0].start, with_window[0].inside, with_window[0].worst) == (utc(8, 10), 1, 120)
    assert (default[0].start, default[0].inside, default[0].worst) == (utc(8, 1), 1, 120)
    assert next(p.worst for p in with_window if p.start == utc(8, 1)) == 180
    assert next(p.worst for p in default if p.start == utc(8, 10)) == 240


def _night(participant: Participant, start: datetime, end: datetime) -> bool:
    """Any part of the slot between 23:00 and 06:00 for the participant (checked here independently)."""
    tz = ZoneInfo(participant.zone)
    minute = start
    while minute < end:
        local = minute.astimezone(tz)
        if local.hour >= 23 or local.hour < 6:
            return True
        minute += timedelta(minutes=15)
    return False


def _fairest_by_brute_force(people, first_day, weeks):
    """The smallest possible worst-off city total over every combination of weekly slots (the rule's yardstick)."""
    groups = list(dict.fromkeys(p.group for p in people))
    per_week = []
    for week in range(weeks):
        day = first_day + timedelta(weeks=week)
        options = candidates(people, first_day=day, last_day=day, zone="UTC", minutes=60)
        awake = [o for o in options if not any(_night(p, o.start, o.end) for p in people)] or options
        per_week.append({tuple(o.group_burden()[g] for g in groups) for o in awake})
    best = None
    for combo in itertools.product(*per_week):
        worst = max(sum(v[i] for v in combo) for i in range(len(groups)))
        best = worst if best is None else min(best, worst)
    return best


def _check_series(people, first_day, weeks):
    picks = plan_series(people, first_day=first_day, last_day=first_day, zone="UTC", minutes=60, occurrences=weeks)
    assert len(picks) == weeks
    for week, pick in enumerate(picks):
        assert pick.proposal.start.astimezone(UTC).date() == first_day + timedelta(weeks=week)
        assert not any(_night(p, pick.proposal.start, pick.proposal.end) for p in people)
    totals = picks[-1].burden_after
    assert max(totals.values()) == _fairest_by_brute_force(people, first_day, weeks)
    return picks, totals


def test_a_weekly_series_shares_the_inconvenience_no_city_carries_it_alone():
    # New York, Lagos, Jakarta and Mexico City (issue 19): ranking alone puts every week at 10:00 New York =
    # 21:00 Jakarta, and Jakarta carries 960 minutes outside its hours while everyone else carries none.
    mexico = Participant("Mexico City", "America/Mexico_City", "Mexico City")
    people = [NEW_YORK, LAGOS, JAKARTA, mexico]
    plain = [rank(candidates(people, first_day=d, last_day=d, zone="UTC", minutes=60))[0]
             for d in (date(2030, 1, 7) + timedelta(weeks=w) for w in range(4))]
    assert sum(p.group_burden()["Jakarta"] for p in plain) == 960
    picks, totals = _check_series(people, date(2030, 1, 7), 4)
    assert totals["Jakarta"] == max(totals.values()) == 480  # halved: New York and Mexico City start early instead
    assert totals["Mexico City"] > 0 and totals["New York"] > 0 and totals["Lagos"] == 0
    rows = series_burden(picks)  # the page's table: heaviest first, with the weeks each city was affected
    assert rows[0][1] == 480 and {row[0] for row in rows} == set(totals) and rows[-1] == ("Lagos", 0, 0)


def test_a_two_city_series_splits_the_burden_evenly():
    picks, totals = _check_series([NEW_YORK, JAKARTA], date(2030, 1, 7), 4)
    assert totals == {"New York": 360, "Jakarta": 360}


def test_a_five_city_series_across_dst_changes_stays_fair_and_awake():
    # March 2030: the U.S. moves its clocks on the 10th and Europe on the 31st, inside a five-week series.
    london = Participant("London", "Europe/London", "London")
    sao_paulo = Participant("São Paulo", "America/Sao_Paulo", "São Paulo")
    people = [NEW_YORK, london, LAGOS, JAKARTA, sao_paulo]
    picks, totals = _check_series(people, date(2030, 3, 4), 5)  # each week scored on its own dates
    assert set(totals) == {"New York", "London", "Lagos", "Jakarta", "São Paulo"}


def test_a_series_keeps_a_city_out_of_the_night_even_when_that_would_share_more():
    picks, totals = _check_series([CHICAGO, LAGOS, JAKARTA], date(2030, 1, 9), 3)
    # Chicago at 06:00 and Jakarta at 19:00 each week beats putting Lagos at 02:30 to "share" further.
    assert totals == {"Chicago": 360, "Lagos": 0, "Jakarta": 360}


def test_make_plan_refuses_bad_input(db):
    from exchange.common.errors import Invalid

    with pytest.raises(Invalid, match="at least one person or city"):
        make_plan(user_ids=[], city_ids=[], minutes=60, first_day=MONDAY, last_day=MONDAY, zone="UTC")
    with pytest.raises(Invalid, match="not be before"):
        make_plan(user_ids=[], city_ids=[1], minutes=60, first_day=MONDAY, last_day=date(2030, 1, 1), zone="UTC")
    with pytest.raises(Invalid, match="first week only"):
        make_plan(user_ids=[], city_ids=[1], minutes=60, first_day=MONDAY, last_day=date(2030, 1, 20), zone="UTC",
                  occurrences=3)


def test_the_assistant_page_shows_a_table_of_hours_by_days_and_links_slots_to_the_form(
        db, client, login_as, organizer, reference, make_exchange):
    exchange = make_exchange(created_by=organizer)
    login_as(organizer)
    cities = [reference.city(s).id for s in ("chicago", "lagos", "jakarta")]
    query = "&".join(f"cities={c}" for c in cities)
    url = (f"/exchanges/assistant?{query}&duration=60&date_from=2030-01-09&date_to=2030-01-10&zone=UTC"
           f"&occurrences=1&exchange_id={exchange.id}")
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hours by day" in html and '<th scope="row">10:00</th>' in html and "Wed, Jan 9" in html
    assert "2/3 ★" in html
    assert f"/exchanges/{exchange.id}/sessions/new?start=2030-01-09T10:00&amp;zone=UTC&amp;duration=60&amp;fold=0" in html
    # Shown in another zone, the same slot is offered as Chicago wall time.
    chicago = client.get(url.replace("zone=UTC", "zone=America/Chicago")).get_data(as_text=True)
    assert "start=2030-01-09T04:00&amp;zone=America/Chicago" in chicago


def test_the_assistant_uses_people_and_their_availability(db, client, login_as, organizer, make_expert_user, make_user):
    expert = make_expert_user(name="Marcus Reed", timezone="America/Chicago",
                         windows=[(d, 8 * 60, 17 * 60) for d in range(5)] + [(1, 6 * 60, 8 * 60)])
    official = make_user(name="Budi Santoso", timezone="Asia/Jakarta")
    login_as(organizer)
    html = client.get(f"/exchanges/assistant?people={expert.id}&people={official.id}&duration=60"
                      f"&date_from=2030-01-08&date_to=2030-01-08&zone=UTC").get_data(as_text=True)
    first = html[html.index("<tbody>"):html.index("</tr>", html.index("<tbody>"))]
    assert "Tue, Jan 8, 2030, 10:00\u202fAM–11:00\u202fAM (UTC)" in first
    assert "Marcus Reed: Tue 4:00\u202fAM (2 h 00 outside)" in first and "Budi Santoso: Tue 5:00\u202fPM (inside)" in first


def test_the_assistant_form_reports_bad_input(db, client, login_as, organizer):
    login_as(organizer)
    response = client.get("/exchanges/assistant?duration=60&date_from=2030-01-08&date_to=2030-01-07&zone=UTC&cities=1")
    assert response.status_code == 400 and "must not be before the first day" in response.get_data(as_text=True)
