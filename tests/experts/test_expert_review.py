"""Organizers review applications: approve, reject with a reason, ask for changes; each decision emailed and kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange.experts.models import ExpertProfile, ReviewDecision
from tests.conftest import body_text
from tests.experts.helpers import VALID


@pytest.fixture
def organizer_with_client(app, make_user, login_as):
    """An organizer and a test client of their own logged in as them: (user, client)."""
    user = make_user(role="organizer", name="Olivia Organizer")
    return user, login_as(user, app.test_client())


def decisions(db, profile) -> list[tuple[str, int, str]]:
    rows = db.session.scalars(select(ReviewDecision).where(ReviewDecision.expert_id == profile.id).order_by(ReviewDecision.id))
    return [(r.decision, r.reviewer_id, r.reason) for r in rows]


def refreshed(db, profile) -> ExpertProfile:
    db.session.expire_all()
    return db.session.get(ExpertProfile, profile.id)


def test_reject_needs_a_reason_which_is_emailed_and_recorded(db, make_expert, organizer_with_client, outbox):
    reviewer, client = organizer_with_client
    profile = make_expert(status="pending", name="Rita Reject")
    url = f"/experts/review/{profile.id}"
    response = client.submit(url, {"decision": "rejected", "reason": "  "})
    assert response.status_code == 400 and "Enter the reason." in response.get_data(as_text=True)
    assert refreshed(db, profile).status == "pending" and outbox.rows() == []
    assert client.submit(url, {"decision": "rejected", "reason": "Not a city government employee."}).status_code == 302
    profile = refreshed(db, profile)
    assert profile.status == "rejected" and profile.decided_at is not None and profile.user.role == "official"
    assert decisions(db, profile) == [("rejected", reviewer.id, "Not a city government employee.")]
    mail = outbox.last(to=profile.user.email)
    assert mail["Subject"] == "Your peer expert application was not accepted"
    assert "Not a city government employee." in body_text(mail)


def test_changes_requested_then_resubmitted_then_approved(app, db, make_expert, organizer_with_client, outbox, login_as):
    reviewer, client = organizer_with_client
    profile = make_expert(status="pending")
    url = f"/experts/review/{profile.id}"
    client.submit(url, {"decision": "changes_requested", "reason": "Please add your department."})
    assert refreshed(db, profile).status == "changes_requested"
    assert "Please add your department." in body_text(outbox.last(to=profile.user.email))
    applicant = login_as(profile.user, app.test_client())
    assert "asked for changes" in applicant.get("/experts/me").get_data(as_text=True)
    assert applicant.submit("/experts/me/edit", VALID).status_code == 302
    assert refreshed(db, profile).status == "pending"
    client.submit(url, {"decision": "approved", "reason": "Welcome aboard."})
    profile = refreshed(db, profile)
    assert profile.status == "approved" and profile.user.role == "expert"
    assert [d[0] for d in decisions(db, profile)] == ["changes_requested", "approved"]
    assert "Welcome aboard." in body_text(outbox.last(to=profile.user.email))
    # The history is shown to the applicant and the reviewer.
    assert "Please add your department." in applicant.get("/experts/me").get_data(as_text=True)
    assert "Olivia Organizer" in client.get(url).get_data(as_text=True)


def test_rejecting_an_approved_expert_takes_the_role_back(db, make_expert, organizer_with_client):
    _, client = organizer_with_client
    profile = make_expert(status="approved")
    assert profile.user.role == "expert"
    client.submit(f"/experts/review/{profile.id}", {"decision": "rejected", "reason": "Left the city government."})
    assert refreshed(db, profile).user.role == "official"


def test_an_organizer_applying_keeps_the_organizer_role(db, make_expert, organizer_with_client, make_user):
    _, client = organizer_with_client
    profile = make_expert(status="pending", user=make_user(role="organizer"))
    client.submit(f"/experts/review/{profile.id}", {"decision": "approved"})
    assert refreshed(db, profile).user.role == "organizer"


@pytest.mark.parametrize(("status", "decision"), [("approved", "approved"), ("withdrawn", "approved"),
                                                  ("rejected", "rejected"), ("changes_requested", "changes_requested")])
def test_decisions_that_do_not_apply_are_refused(db, make_expert, organizer_with_client, outbox, status, decision):
    _, client = organizer_with_client
    profile = make_expert(status=status)
    response = client.submit(f"/experts/review/{profile.id}", {"decision": decision, "reason": "Because."},
                             page="/experts/review")
    assert response.status_code == 409
    assert "that decision does not apply" in response.get_data(as_text=True)
    assert decisions(db, profile) == [] and outbox.rows() == []


def test_unknown_decision_is_refused(db, make_expert, organizer_with_client):
    _, client = organizer_with_client
    profile = make_expert(status="pending")
    response = client.submit(f"/experts/review/{profile.id}", {"decision": "maybe", "reason": "x"})
    assert response.status_code == 400 and "Choose approve, ask for changes or reject." in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["official", "expert"])
def test_only_organizers_review(app, db, make_expert, make_user, login_as, role):
    profile = make_expert(status="pending")
    client = login_as(make_user(role=role), app.test_client())
    assert client.get("/experts/review").status_code == 403
    assert client.get(f"/experts/review/{profile.id}").status_code == 403
    token = client.csrf_token("/experts/")
    response = client.post(f"/experts/review/{profile.id}", data={"csrf_token": token, "decision": "approved"})
    assert response.status_code == 403
    assert refreshed(db, profile).status == "pending"


@pytest.mark.parametrize("status", ["pending", "changes_requested", "rejected", "withdrawn"])
def test_unapproved_experts_are_invisible_to_others(app, db, make_expert, make_user, login_as, organizer_with_client, status):
    profile = make_expert(status=status, name="Ivy Invisible")
    for other in (app.test_client(), login_as(make_user(), app.test_client())):
        assert other.get(f"/experts/{profile.id}").status_code == 404
        assert "Ivy Invisible" not in other.get("/experts/").get_data(as_text=True)
    assert login_as(profile.user, app.test_client()).get(f"/experts/{profile.id}").status_code == 200
    assert organizer_with_client[1].get(f"/experts/{profile.id}").status_code == 200


def test_queue_lists_waiting_applications_oldest_first(db, make_expert, organizer_with_client):
    _, client = organizer_with_client
    make_expert(status="pending", name="First Applicant")
    make_expert(status="pending", name="Second Applicant")
    make_expert(status="approved", name="Already Approved")
    html = client.get("/experts/review").get_data(as_text=True)
    assert "Waiting for review (2)" in html
    assert html.index("First Applicant") < html.index("Second Applicant") and "Already Approved" not in html
