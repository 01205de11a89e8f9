"""Each exchange has its own team: its creator and the co-organizers they add run it; other organizers do not.

Through the pages organizers use: creating an exchange, the Team section of its page, the confirmation page for a
removal, the listing, program import and export, and the registrations digest.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from exchange.common.errors import Conflict
from exchange.common.time import utcnow
from exchange.exchanges import services
from exchange.exchanges.models import Exchange, ExchangeTeamMember
from tests.conftest import body_text


def _team(db, exchange) -> list[str]:
    db.session.expire_all()
    return sorted(m.user.name for m in db.session.scalars(
        select(ExchangeTeamMember).where(ExchangeTeamMember.exchange_id == exchange.id)))


def _manages(client, exchange) -> int:
    return client.get(f"/exchanges/{exchange.id}/edit").status_code


def test_the_organizer_who_creates_an_exchange_is_its_team(db, organizer_client, organizer, make_user, login_as):
    start = (utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    form = {"kind": "webinar", "title": "Budgets in the open", "timezone": "UTC", "languages": "en",
            "visibility": "public", "starts_local": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_local": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}
    assert organizer_client.submit("/exchanges/new", form).status_code == 302
    exchange = db.session.scalar(select(Exchange))
    assert _team(db, exchange) == ["Olivia Organizer"]
    assert _manages(organizer_client, exchange) == 200
    other = make_user(role="organizer", name="Otto Outside")
    outsider = login_as(other, organizer_client.application.test_client())
    assert _manages(outsider, exchange) == 404  # a draft of another team: not even its page
    assert outsider.get(f"/exchanges/{exchange.id}").status_code == 404


def test_a_team_member_adds_a_co_organizer_who_is_emailed_and_can_then_run_it(
        db, organizer_client, organizer, make_exchange, make_user, login_as, app, outbox):
    exchange = make_exchange(created_by=organizer, title="Open data in practice")
    kofi = make_user(role="organizer", name="Kofi Mensah", email="kofi@example.org")
    official = make_user(name="Adaeze Official")
    page = organizer_client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert 'id="team"' in page and "Kofi Mensah &lt;kofi@example.org&gt;" in page  # a choice in the add form
    assert "Adaeze Official" not in page  # only organizer accounts are offered
    kofi_client = login_as(kofi, app.test_client())
    assert _manages(kofi_client, exchange) == 404

    response = organizer_client.submit(f"/exchanges/{exchange.id}/team", {"user_id": str(kofi.id)},
                                       page=f"/exchanges/{exchange.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("#team")
    assert _team(db, exchange) == ["Kofi Mensah", "Olivia Organizer"]
    message = outbox.last(to="kofi@example.org")
    assert "Open data in practice" in message["Subject"]
    text = body_text(message)
    assert "Olivia Organizer added you to the team" in text
    assert f"http://localhost/exchanges/{exchange.id}#manage" in text
    assert _manages(kofi_client, exchange) == 200
    assert "Registrations" in kofi_client.get(f"/exchanges/{exchange.id}/registrations").get_data(as_text=True)

    # Only organizer accounts can join a team; nobody joins twice.
    organizer_client.submit(f"/exchanges/{exchange.id}/team", {"user_id": str(official.id)},
                            page=f"/exchanges/{exchange.id}")
    again = organizer_client.submit(f"/exchanges/{exchange.id}/team", {"user_id": str(kofi.id)},
                                    page=f"/exchanges/{exchange.id}", follow_redirects=True)
    assert "already on the team" in again.get_data(as_text=True)
    assert _team(db, exchange) == ["Kofi Mensah", "Olivia Organizer"]


def test_an_organizer_outside_the_team_cannot_add_themselves(db, make_exchange, organizer, make_user, login_as, app):
    exchange = make_exchange(created_by=organizer)
    outsider = make_user(role="organizer", name="Otto Outside")
    client = login_as(outsider, app.test_client())
    page = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert 'id="manage"' not in page and 'id="team"' not in page and "/edit" not in page
    token = client.csrf_token("/accounts/profile")
    response = client.post(f"/exchanges/{exchange.id}/team", data={"user_id": str(outsider.id), "csrf_token": token})
    assert response.status_code == 404
    assert client.get(f"/exchanges/{exchange.id}/team/{organizer.id}/remove").status_code == 404
    assert _team(db, exchange) == ["Olivia Organizer"]


def test_removing_a_co_organizer_asks_first_and_works_without_javascript(db, organizer_client, organizer,
                                                                         make_exchange, make_user, login_as, app):
    kofi = make_user(role="organizer", name="Kofi Mensah")
    exchange = make_exchange(created_by=organizer, team=[kofi])
    detail = organizer_client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    link = f"/exchanges/{exchange.id}/team/{kofi.id}/remove"
    assert f'href="{link}"' in detail  # a plain link to the confirmation page
    confirm = organizer_client.get(link).get_data(as_text=True)
    assert "Remove Kofi Mensah from the team" in confirm and '<form method="post"' in confirm
    assert _team(db, exchange) == ["Kofi Mensah", "Olivia Organizer"]  # asking changes nothing

    assert organizer_client.submit(link, {"confirm": "1"}).status_code == 302
    assert _team(db, exchange) == ["Olivia Organizer"]
    assert _manages(login_as(kofi, app.test_client()), exchange) == 404


def test_the_last_member_cannot_be_removed_but_may_leave_once_someone_else_is_on_the_team(
        db, organizer_client, organizer, make_exchange, make_user):
    exchange = make_exchange(created_by=organizer)
    detail = organizer_client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    link = f"/exchanges/{exchange.id}/team/{organizer.id}/remove"
    assert link not in detail  # no removal offered for the only member
    refused = organizer_client.submit(link, {"confirm": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "the last organizer on this exchange" in refused
    assert _team(db, exchange) == ["Olivia Organizer"]

    # A disabled co-organizer does not count: Olivia is still the last one who can act.
    gone = make_user(role="organizer", name="Dora Gone", disabled=True)
    db.session.add(ExchangeTeamMember(exchange=exchange, user=gone))
    db.session.commit()
    organizer_client.submit(link, {"confirm": "1"})
    assert _team(db, exchange) == ["Dora Gone", "Olivia Organizer"]

    kofi = make_user(role="organizer", name="Kofi Mensah")
    db.session.add(ExchangeTeamMember(exchange=exchange, user=kofi))
    db.session.commit()
    assert "Leave the team" in organizer_client.get(link).get_data(as_text=True)
    response = organizer_client.submit(link, {"confirm": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/exchanges/{exchange.id}")
    assert _team(db, exchange) == ["Dora Gone", "Kofi Mensah"]
    assert _manages(organizer_client, exchange) == 404


def test_an_organizer_lists_their_teams_exchanges_and_only_the_public_ones_of_others(
        db, organizer_client, organizer, make_exchange, make_user):
    other = make_user(role="organizer", name="Otto Outside")
    make_exchange(created_by=organizer, title="Our draft", status="draft")
    make_exchange(created_by=other, title="Their draft", status="draft")
    make_exchange(created_by=other, title="Their private one", visibility="invite_only")
    theirs = make_exchange(created_by=other, title="Their public one")
    listing = organizer_client.get("/exchanges/").get_data(as_text=True)
    assert "Our draft" in listing and "Their public one" in listing
    assert "Their draft" not in listing and "Their private one" not in listing
    mine = organizer_client.get("/exchanges/?when=all&mine=1").get_data(as_text=True)
    assert "Our draft" in mine and "Their public one" not in mine
    page = organizer_client.get(f"/exchanges/{theirs.id}").get_data(as_text=True)
    assert 'id="manage"' not in page and f"/exchanges/{theirs.id}/edit" not in page


def test_program_import_puts_the_importer_on_new_exchanges_and_never_changes_another_teams(
        db, organizer_client, organizer, make_exchange, make_user):
    other = make_user(role="organizer", name="Otto Outside")
    theirs = make_exchange(created_by=other, title="Their exchange", external_id="theirs-1")
    start = (utcnow() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)

    def program(external_id: str, title: str) -> str:
        return json.dumps({"format": "peer-exchange-program", "version": 1, "exchanges": [{
            "external_id": external_id, "kind": "webinar", "title": title, "timezone": "UTC", "languages": ["en"],
            "sessions": [{"external_id": "s1", "title": title, "timezone": "UTC",
                          "start": start.strftime("%Y-%m-%dT%H:%M"),
                          "end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}]}]})

    def upload(text: str):
        return organizer_client.submit("/exchanges/import", {"file": (BytesIO(text.encode()), "program.json")},
                                       content_type="multipart/form-data")

    refused = upload(program("theirs-1", "Hijacked"))
    assert refused.status_code == 400 and "an exchange you do not run" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Exchange, theirs.id).title == "Their exchange"

    assert upload(program("ours-1", "Ours")).status_code == 302
    ours = db.session.scalar(select(Exchange).where(Exchange.external_id == "ours-1"))
    assert _team(db, ours) == ["Olivia Organizer"]
    exported = organizer_client.get("/exchanges/export.json").get_data(as_text=True)
    assert [e["external_id"] for e in json.loads(exported)["exchanges"]] == ["ours-1"]


def test_registration_notices_go_to_the_team_not_to_other_organizers(db, make_exchange, organizer, make_user,
                                                                     client, login_as, outbox):
    kofi = make_user(role="organizer", name="Kofi Mensah", email="kofi@example.org")
    make_user(role="organizer", name="Otto Outside", email="otto@example.org")
    exchange = make_exchange(created_by=organizer, team=[kofi], requires_approval=True)  # a digest to act on
    person = make_user(name="Adaeze Official")
    login_as(person)
    assert client.submit(f"/exchanges/{exchange.id}/register", {},
                         page=f"/exchanges/{exchange.id}").status_code == 302
    outbox.deliver()
    recipients = {m["To"] for m in outbox.messages()}
    assert any("olivia@example.org" in r for r in recipients) and any("kofi@example.org" in r for r in recipients)
    assert not any("otto@example.org" in r for r in recipients)
    assert re.search(r"To approve: Adaeze Official", outbox.last(to="kofi@example.org")["Subject"])


def test_a_speakers_clash_with_another_teams_draft_does_not_reveal_it(db, organizer, make_exchange, make_user,
                                                                       make_expert_user, add_speaker):
    other = make_user(role="organizer", name="Otto Outside")
    expert = make_expert_user(name="Marcus Reed")
    secret = make_exchange(created_by=other, title="Secret merger talks", status="draft")
    add_speaker(expert, secret.sessions[0], "panelist")
    ours = make_exchange(created_by=organizer, title="Ours")
    with pytest.raises(Conflict) as refused:
        services.add_speaker(ours.sessions[0], actor=organizer, user_id=expert.id, role="panelist")
    assert "Marcus Reed already speaks at another session" in str(refused.value.message)
    assert "Secret" not in str(refused.value.message)
    theirs = make_exchange(created_by=other, title="Their webinar", starts_at=ours.sessions[0].starts_at)
    with pytest.raises(Conflict) as told:  # the draft's own team is told which session it is
        services.add_speaker(theirs.sessions[0], actor=other, user_id=expert.id, role="panelist")
    assert "Secret merger talks" in str(told.value.message)
