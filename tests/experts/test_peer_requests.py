"""Peer requests: who may see and answer them, bad challenges, emails both ways, the peer-exchange link."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange.experts.models import PeerRequest, Topic
from tests.conftest import body_text

CHALLENGE = {
    "title": "Opening budget data", "description": "Residents cannot find our budget.",
    "focus_area": "managing-information", "topics": ["open-data"], "languages": ["en"],
    "timezone": "Africa/Lagos", "hours_start": "08:00", "hours_end": "18:00",
    "preferred_times": "Tuesday mornings",
}


@pytest.fixture
def official(app, make_official, login_as):
    user = make_official(city="lagos", email="official@lagos.example", name="Ola Official")
    return user, login_as(user, app.test_client())


def count_requests(db) -> int:
    return db.session.scalar(select(func.count()).select_from(PeerRequest))


def make_request(db, official_user, *, expert=None, status="draft", requester=None) -> PeerRequest:
    req = PeerRequest(official=official_user, requester=requester or official_user, title="Opening budget data",
                      description="Residents cannot find our budget.", timezone="Africa/Lagos", languages="en",
                      expert=expert, status=status,
                      topics=list(db.session.scalars(select(Topic).where(Topic.slug == "open-data"))))
    db.session.add(req)
    db.session.commit()
    return req


@pytest.mark.parametrize(("change", "message"), [
    ({"topics": ["telepathy"]}, "Unknown topic “telepathy”"),
    ({"languages": ["klingon"]}, "Unknown language “klingon”"),
    ({"languages": []}, "Choose at least one language."),
    ({"timezone": "Lagos"}, "Unknown time zone “Lagos”"),
    ({"focus_area": ""}, "Choose the focus area of your challenge."),
    ({"focus_area": "magic"}, "Unknown focus area “magic”"),
    ({"hours_start": "18:00", "hours_end": "08:00"}, "Your working hours must start before they end."),
    ({"title": ""}, "Enter a short title."),
    ({"description": " "}, "Enter the challenge."),
])
def test_bad_challenges_are_refused_and_nothing_is_created(db, official, change, message):
    _, client = official
    response = client.submit("/requests/new", {**CHALLENGE, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count_requests(db) == 0


def test_the_form_starts_from_the_officials_city_zone_and_languages(official):
    html = official[1].get("/requests/new").get_data(as_text=True)
    assert '<option selected value="Africa/Lagos">' in html and '<option selected value="en">' in html


def test_officials_cannot_see_or_touch_each_others_requests(app, db, official, make_official, make_expert, login_as):
    expert = make_expert()
    theirs = make_request(db, make_official(city="jakarta", name="Other Official"), expert=expert, status="sent")
    _, client = official
    assert client.get(f"/requests/{theirs.id}").status_code == 404
    for action, data in (("send", {"expert": str(expert.id)}), ("cancel", {}), ("respond", {"answer": "accept"})):
        response = client.submit(f"/requests/{theirs.id}/{action}", data, page="/requests/")
        assert response.status_code == 404
    assert "Opening budget data" not in client.get("/requests/").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PeerRequest, theirs.id).status == "sent"


def test_experts_see_a_request_only_once_it_is_sent_to_them(app, db, official, make_expert, login_as):
    asked, other = make_expert(), make_expert()
    req = make_request(db, official[0])
    asked_client = login_as(asked.user, app.test_client())
    assert asked_client.get(f"/requests/{req.id}").status_code == 404  # a draft is the official's own
    official[1].submit(f"/requests/{req.id}/send", {"expert": str(asked.id)}, page=f"/requests/{req.id}")
    assert asked_client.get(f"/requests/{req.id}").status_code == 200
    other_client = login_as(other.user, app.test_client())
    assert other_client.get(f"/requests/{req.id}").status_code == 404
    response = other_client.submit(f"/requests/{req.id}/respond", {"answer": "accept"}, page="/requests/")
    assert response.status_code == 404


def test_sending_to_an_unapproved_expert_or_twice_is_refused(db, official, make_expert, outbox):
    pending, approved = make_expert(status="pending"), make_expert()
    req = make_request(db, official[0])
    _, client = official
    url = f"/requests/{req.id}"
    assert client.submit(f"{url}/send", {"expert": str(pending.id)}, page=url).status_code == 404
    assert client.submit(f"{url}/send", {"expert": str(approved.id)}, page=url).status_code == 302
    again = client.submit(f"{url}/send", {"expert": str(pending.id)}, page=url)
    assert again.status_code == 409 and "already sent" in again.get_data(as_text=True)
    assert [r.to_addr for r in outbox.rows()] == [approved.user.email]


def test_decline_is_emailed_with_the_note(app, db, official, make_expert, login_as, outbox):
    expert = make_expert(name="Dana Declines")
    req = make_request(db, official[0], expert=expert, status="sent")
    client = login_as(expert.user, app.test_client())
    client.submit(f"/requests/{req.id}/respond", {"answer": "decline", "note": "Travelling all month."},
                  page=f"/requests/{req.id}")
    mail = outbox.last(to="official@lagos.example")
    assert mail["Subject"] == "Your peer request was declined"
    assert "Travelling all month." in body_text(mail) and expert.user.email not in body_text(mail)
    again = client.submit(f"/requests/{req.id}/respond", {"answer": "accept"}, page="/requests/")
    assert again.status_code == 409 and "no longer waiting for an answer" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PeerRequest, req.id).status == "declined"


def test_organizer_asks_for_an_official_and_both_hear_the_answer(app, db, official, make_user, make_expert,
                                                                login_as, outbox):
    organizer = make_user(role="organizer", email="organizer@program.example")
    org_client = login_as(organizer, app.test_client())
    expert = make_expert()
    response = org_client.submit("/requests/new", CHALLENGE)
    assert response.status_code == 400 and "Choose the official this challenge is for." in response.get_data(as_text=True)
    response = org_client.submit("/requests/new", {**CHALLENGE, "official": str(official[0].id),
                                                   "expert": str(expert.id)})
    assert response.status_code == 302
    req = db.session.scalar(select(PeerRequest))
    assert (req.official_id, req.requester_id, req.status) == (official[0].id, organizer.id, "sent")
    assert "Opening budget data" in official[1].get("/requests/").get_data(as_text=True)
    login_as(expert.user, app.test_client()).submit(f"/requests/{req.id}/respond", {"answer": "accept"},
                                                    page=f"/requests/{req.id}")
    assert {r.to_addr for r in outbox.rows() if r.kind == "peer_request_accepted"} == {
        "official@lagos.example", "organizer@program.example"}


def test_officials_cannot_ask_on_behalf_of_someone_else(db, official, make_official):
    other = make_official(city="jakarta")
    response = official[1].submit("/requests/new", {**CHALLENGE, "official": str(other.id)})
    assert response.status_code == 302  # the field is not theirs: ignored, the request is their own
    assert db.session.scalar(select(PeerRequest)).official_id == official[0].id


def test_experts_do_not_describe_challenges(app, make_user, login_as, reference):
    client = login_as(make_user(role="expert"), app.test_client())
    assert client.get("/requests/new").status_code == 403
    response = client.submit("/requests/new", CHALLENGE, page="/experts/")
    assert response.status_code == 403


def test_asking_from_the_expert_page_sends_at_once(app, db, official, make_expert, outbox):
    expert = make_expert(name="Page Person")
    _, client = official
    page = client.get(f"/experts/{expert.id}").get_data(as_text=True)
    assert f"/requests/new?expert={expert.id}" in page
    form = client.get(f"/requests/new?expert={expert.id}").get_data(as_text=True)
    assert f'name="expert" type="hidden" value="{expert.id}"' in form  # carried by the form, sent with it
    response = client.submit("/requests/new", {**CHALLENGE, "expert": str(expert.id)})
    assert response.status_code == 302
    assert db.session.scalar(select(PeerRequest)).status == "sent"
    assert outbox.last(to=expert.user.email)["Subject"].startswith("A megacity official asks for your advice")


def test_cancelling_a_sent_request_tells_the_expert(db, official, make_expert, outbox):
    expert = make_expert()
    req = make_request(db, official[0], expert=expert, status="sent")
    official[1].submit(f"/requests/{req.id}/cancel", {"confirm": "1"}, page=f"/requests/{req.id}")
    db.session.expire_all()
    assert db.session.get(PeerRequest, req.id).status == "cancelled"
    assert outbox.last(to=expert.user.email)["Subject"] == "A peer request to you was cancelled"
    again = official[1].submit(f"/requests/{req.id}/cancel", {"confirm": "1"}, page=f"/requests/{req.id}")
    assert again.status_code == 409


def test_exchange_link_is_for_organizers_once_accepted(app, db, official, make_user, make_expert, login_as):
    expert = make_expert()
    req = make_request(db, official[0], expert=expert, status="sent")
    organizer = login_as(make_user(role="organizer"), app.test_client())
    assert "/exchanges/new?" not in organizer.get(f"/requests/{req.id}").get_data(as_text=True)
    req.status = "accepted"
    db.session.commit()
    html = organizer.get(f"/requests/{req.id}").get_data(as_text=True)
    # Built by url_for("exchanges.new", ...): spaces in the query string are "+".
    assert ("/exchanges/new?kind=peer_exchange&amp;title=Opening+budget+data&amp;description=Residents+cannot"
            in html)
    assert f"&amp;topics=open-data&amp;speaker={expert.user_id}&amp;invitee={official[0].id}&amp;peer_request={req.id}" in html
    assert "/exchanges/new?" not in official[1].get(f"/requests/{req.id}").get_data(as_text=True)


def test_contact_details_appear_only_after_acceptance(app, db, official, make_expert, login_as):
    expert = make_expert()
    req = make_request(db, official[0], expert=expert, status="sent")
    expert_client = login_as(expert.user, app.test_client())
    assert "official@lagos.example" not in expert_client.get(f"/requests/{req.id}").get_data(as_text=True)
    req.status = "accepted"
    db.session.commit()
    assert "official@lagos.example" in expert_client.get(f"/requests/{req.id}").get_data(as_text=True)
