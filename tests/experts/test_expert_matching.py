"""Matching: working-hour overlap on a real week (DST included), hand-worked rankings, load, and the reasons shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from exchange.experts import matching
from exchange.experts.matching import ChallengeFacts, ExpertFacts, Hours, Window
from exchange.experts.models import PeerRequest, Topic
from exchange.experts.services import suggest_experts

JANUARY = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)  # a Wednesday; no daylight-saving time in the U.S.
JULY = datetime(2027, 7, 14, 12, 0, tzinfo=UTC)
WEEKDAYS = range(5)


def weekdays(start_hour: int, end_hour: int) -> list[Window]:
    return [Window(d, start_hour * 60, end_hour * 60) for d in WEEKDAYS]


def test_new_york_office_hours_never_meet_jakarta_office_hours():
    # Jakarta 08:00-18:00 (UTC+7) is 01:00-11:00 UTC; New York 09:00-17:00 (UTC-5) is 14:00-22:00 UTC.
    assert matching.overlap_minutes(weekdays(9, 17), "America/New_York", Hours("Asia/Jakarta"), at=JANUARY) == 0


def test_los_angeles_evenings_are_jakarta_mornings():
    # LA 17:00-21:00 (UTC-8) Monday is 01:00-05:00 UTC Tuesday = 08:00-12:00 Tuesday in Jakarta: 4 hours.
    # Monday to Thursday evenings land on Tuesday to Friday; Friday evening lands on Saturday: 4 x 4 hours.
    assert matching.overlap_minutes(weekdays(17, 21), "America/Los_Angeles", Hours("Asia/Jakarta"), at=JANUARY) == 16 * 60


@pytest.mark.parametrize(("at", "minutes"), [
    (JANUARY, 0),  # New York 12:00-14:00 EST = 17:00-19:00 UTC; Lagos works 07:00-17:00 UTC
    (JULY, 5 * 60),  # EDT: 16:00-18:00 UTC, one hour a day inside Lagos's day
    (datetime(2026, 3, 4, tzinfo=UTC), 0),  # the week before the U.S. changes its clocks (8 March 2026)
    (datetime(2026, 3, 11, tzinfo=UTC), 5 * 60),  # the week after: the real week decides
])
def test_overlap_follows_daylight_saving_of_the_real_week(at, minutes):
    assert matching.overlap_minutes(weekdays(12, 14), "America/New_York", Hours("Africa/Lagos"), at=at) == minutes


def test_overlapping_windows_are_not_counted_twice():
    windows = weekdays(9, 12) + weekdays(10, 13)
    assert matching.overlap_minutes(windows, "UTC", Hours("UTC"), at=JANUARY) == 5 * 4 * 60


def test_windows_shown_in_another_zone_split_at_midnight():
    shown = matching.windows_in_zone([Window(0, 9 * 60, 17 * 60)], "America/New_York", "Asia/Jakarta", at=JANUARY)
    # Monday 09:00-17:00 EST = Monday 21:00 to Tuesday 05:00 in Jakarta.
    assert shown == [Window(0, 21 * 60, 1440), Window(1, 0, 5 * 60)]


def facts(expert_id: int, *, languages=None, windows=None, zone="America/Los_Angeles", load=0, topics=None) -> ExpertFacts:
    return ExpertFacts(expert_id=expert_id, name=f"Expert {expert_id}", zone=zone,
                       topics=topics or {1: "Open data"}, focus_area_ids={10},
                       languages=languages or {"en": "native"}, windows=windows or weekdays(17, 21), load=load)


def challenge(languages=("en",), zone="Asia/Jakarta") -> ChallengeFacts:
    return ChallengeFacts(topic_ids={1}, focus_area_id=10, focus_area_name="Managing Information",
                          languages=list(languages), hours=Hours(zone))


def test_hand_worked_new_york_expert_ranks_below_one_who_shares_jakarta_hours():
    new_york = facts(1, zone="America/New_York", windows=weekdays(9, 17))
    los_angeles = facts(2)
    ranked = matching.rank_experts([new_york, los_angeles], challenge(), at=JANUARY)
    assert [s.expert_id for s in ranked] == [2, 1]
    # Topic 10 + focus area 3 + English native 8 + hours: LA 16 h capped at 10, New York 0.
    assert [s.score for s in ranked] == [31, 21]
    assert [r.kind for r in ranked[1].reasons] == ["topics", "focus_area", "language", "no_hours", "no_load"]


def test_hand_worked_shared_language_outranks_none_at_equal_topics():
    english_only = facts(1)
    spanish = facts(2, languages={"en": "native", "es": "working"})
    ranked = matching.rank_experts([english_only, spanish], challenge(languages=("es",)), at=JANUARY)
    assert [s.expert_id for s in ranked] == [2, 1]
    assert ranked[0].score - ranked[1].score == matching.LANGUAGE_POINTS["working"]
    assert "no_language" in [r.kind for r in ranked[1].reasons]


def test_load_lowers_the_score_and_is_capped():
    assert matching.score_expert(facts(1, load=2), challenge(), at=JANUARY).score == 31 - 4
    assert matching.score_expert(facts(1, load=9), challenge(), at=JANUARY).score == 31 - 10


def test_nothing_shared_means_no_suggestion():
    unrelated = ExpertFacts(1, "X", "UTC", {2: "Procurement"}, {11}, {"en": "native"}, weekdays(9, 17))
    assert matching.score_expert(unrelated, challenge(), at=JANUARY) is None


def test_reasons_read_with_their_numbers(app):
    with app.test_request_context():
        suggestion = matching.score_expert(facts(1, load=1, languages={"es": "fluent"}), challenge(languages=("es",)),
                                           at=JANUARY)
        texts = [(r.text, r.points) for r in suggestion.reasons]
    assert texts == [("1 shared topic: Open data", 10), ("Works in the focus area Managing Information", 3),
                     ("Speaks Spanish (fluent)", 8), ("16 hours a week of shared working hours", 10),
                     ("1 current commitment", -2)]


# -- the service, on the database -------------------------------------------------------------------

@pytest.fixture
def jakarta_request(db, make_official, area_id):
    def make(*, topics=("open-data",), languages="en", **fields) -> PeerRequest:
        official = fields.pop("official", None) or make_official(city="jakarta")
        req = PeerRequest(official=official, requester=official, title="Open budgets", description="How?",
                          focus_area_id=area_id("managing-information"), languages=languages, timezone="Asia/Jakarta",
                          topics=list(db.session.scalars(select(Topic).where(Topic.slug.in_(topics)))), **fields)
        db.session.add(req)
        db.session.commit()
        return req

    return make


def test_service_ranks_with_hours_language_and_load(db, make_expert, jakarta_request, make_exchange, add_speaker):
    make_expert(name="Nia York", timezone="America/New_York", languages=[("en", "native")])
    los_angeles = make_expert(name="Luis Angeles", timezone="America/Los_Angeles",
                              windows=[(d, 17 * 60, 21 * 60) for d in range(5)], languages=[("en", "native")])
    busy = make_expert(name="Bea Busy", timezone="America/Los_Angeles",
                       windows=[(d, 17 * 60, 21 * 60) for d in range(5)], languages=[("en", "native")])
    make_expert(name="Pat Pending", status="pending", timezone="America/Los_Angeles")
    make_expert(name="Una Related", topics=("procurement",))
    exchange = make_exchange(starts_at=JANUARY + timedelta(days=3))
    add_speaker(busy.user, exchange.sessions[0])
    past = make_exchange(starts_at=JANUARY - timedelta(days=3))
    add_speaker(los_angeles.user, past.sessions[0])  # over: no longer a commitment
    req = jakarta_request()
    ranked = suggest_experts(req, actor=req.official, at=JANUARY)
    assert [s.expert.user.name for s in ranked] == ["Luis Angeles", "Bea Busy", "Nia York"]
    assert [s.score for s in ranked] == [31, 29, 21]
    assert ("load", -2) in [(r.kind, r.points) for r in ranked[1].reasons]


def test_accepted_peer_requests_count_as_load(db, make_expert, jakarta_request):
    expert = make_expert(timezone="America/Los_Angeles", windows=[(d, 17 * 60, 21 * 60) for d in range(5)])
    jakarta_request(status="accepted", expert=expert, responded_at=JANUARY - timedelta(days=5))
    jakarta_request(status="accepted", expert=expert, responded_at=JANUARY - timedelta(days=200))  # long done
    jakarta_request(status="declined", expert=expert, responded_at=JANUARY - timedelta(days=1))
    req = jakarta_request()
    [suggestion] = suggest_experts(req, actor=req.official, at=JANUARY)
    assert ("load", -2) in [(r.kind, r.points) for r in suggestion.reasons]


def test_the_official_is_never_suggested_to_themselves(db, make_expert, make_official, jakarta_request):
    official = make_official(city="jakarta")
    make_expert(user=official)  # an official who is also an approved expert
    req = jakarta_request(official=official)
    assert suggest_experts(req, actor=official, at=JANUARY) == []
