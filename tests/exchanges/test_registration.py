"""Registration: seats, waitlist promotion in order, approval, cancellation, and the last-seat race."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from exchange.common.errors import Conflict, Forbidden, Invalid, NotFound
from exchange.exchanges import services
from exchange.exchanges.models import Registration
from exchange.exchanges.registrations import (
    RegistrationAnswers,
    approve_registration,
    cancel_registration,
    decline_registration,
)
from exchange.exchanges.registrations import register as register_for
from tests.conftest import body_text
from tests.exchanges.conftest import calendar_of
from tests.live.helpers import log_in


def _status(db, exchange, user) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Registration.status).where(Registration.exchange_id == exchange.id,
                                                               Registration.user_id == user.id))


def test_register_through_the_page_saves_answers_and_emails_a_calendar_invite(db, client, login_as, make_user,
                                                                              make_exchange, reference, outbox):
    exchange = make_exchange(capacity=10)
    official = make_user(timezone="Africa/Lagos")
    login_as(official)
    url = f"/exchanges/{exchange.id}"
    response = client.submit(f"{url}/register", {"city_id": str(reference.city("lagos").id),
                                                 "stakeholder_group": "innovation_staff",
                                                 "needs": "French interpretation"}, page=url)
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert (registration.status, registration.city.slug, registration.stakeholder_group, registration.needs) == \
        ("registered", "lagos", "innovation_staff", "French interpretation")
    mail = outbox.last(to=official.email)
    assert calendar_of(mail)["METHOD"] == "REQUEST"
    assert "(Lagos, UTC+1)" in body_text(mail)
    page = client.get(url).get_data(as_text=True)
    assert "Your registration:" in page and "Cancel my registration" in page and "9 of 10 left" in page


def test_a_full_exchange_waitlists_and_promotes_the_longest_waiting_first(db, make_user, make_exchange, outbox):
    exchange = make_exchange(capacity=1)
    first, second, third = make_user(), make_user(), make_user()
    assert register_for(exchange, actor=first, answers=RegistrationAnswers()).status == "registered"
    assert register_for(exchange, actor=second, answers=RegistrationAnswers()).status == "waitlisted"
    assert register_for(exchange, actor=third, answers=RegistrationAnswers()).status == "waitlisted"
    assert "full, so you are on the waitlist" in body_text(outbox.last(to=second.email))
    assert calendar_of(outbox.last(to=second.email)) is None  # no seat, no calendar entry yet
    outbox.deliver()  # after the window: the first has her invite, so her cancellation must remove it

    cancel_registration(exchange, actor=first)
    assert _status(db, exchange, first) == "cancelled"
    assert _status(db, exchange, second) == "registered"
    assert _status(db, exchange, third) == "waitlisted"
    assert calendar_of(outbox.last(to=first.email))["METHOD"] == "CANCEL"
    promoted = outbox.last(to=second.email)
    assert "moved from the waitlist to registered" in body_text(promoted)
    assert calendar_of(promoted)["METHOD"] == "REQUEST"

    # Leaving the waitlist frees no seat; the next in line stays where they are.
    cancel_registration(exchange, actor=third)
    assert _status(db, exchange, third) == "cancelled"


def test_re_registering_after_cancelling_goes_to_the_back_of_the_waitlist(db, make_user, make_exchange):
    exchange = make_exchange(capacity=1)
    holder, early, late = make_user(), make_user(), make_user()
    register_for(exchange, actor=holder, answers=RegistrationAnswers())
    register_for(exchange, actor=early, answers=RegistrationAnswers())
    register_for(exchange, actor=late, answers=RegistrationAnswers())
    cancel_registration(exchange, actor=early)
    register_for(exchange, actor=early, answers=RegistrationAnswers())
    cancel_registration(exchange, actor=holder)
    assert _status(db, exchange, late) == "registered"
    assert _status(db, exchange, early) == "waitlisted"


@pytest.mark.parametrize(("setup", "error", "message"), [
    (lambda ex, user, reg: reg(user, ex), Conflict, "already registered"),
    (lambda ex, user, reg: reg(user, ex, "waitlisted"), Conflict, "already on the waitlist"),
    (lambda ex, user, reg: setattr(ex, "status", "draft"), NotFound, "no such exchange"),
    (lambda ex, user, reg: setattr(ex, "status", "cancelled"), Conflict, "not open for registration"),
    (lambda ex, user, reg: setattr(ex, "visibility", "invite_only"), NotFound, "no such exchange"),
])
def test_registration_refusals(db, make_user, make_exchange, register, setup, error, message):
    exchange = make_exchange()
    user = make_user()
    setup(exchange, user, register)
    db.session.commit()
    with pytest.raises(error, match=message):
        register_for(exchange, actor=user, answers=RegistrationAnswers())


def test_registration_after_the_deadline_is_refused(db, make_user, make_exchange):
    from datetime import timedelta

    from exchange.common.time import utcnow

    exchange = make_exchange(registration_deadline=utcnow() - timedelta(hours=1))
    with pytest.raises(Invalid, match="Registration closed"):
        register_for(exchange, actor=make_user(), answers=RegistrationAnswers())


def test_an_invite_only_exchange_without_an_invitation_refuses_a_signed_in_stranger(db, make_user, make_exchange,
                                                                                    register):
    exchange = make_exchange(visibility="invite_only")
    stranger = make_user()
    register(stranger, exchange, "cancelled")  # a past, cancelled registration lets them see it, not re-enter
    with pytest.raises(Forbidden, match="by invitation only"):
        register_for(exchange, actor=stranger, answers=RegistrationAnswers())


def test_approval_queue_then_approve_into_a_seat_or_the_waitlist(db, make_user, make_exchange, organizer, outbox):
    exchange = make_exchange(capacity=1, requires_approval=True, created_by=organizer)
    a, b, c = make_user(), make_user(), make_user()
    reg_a = register_for(exchange, actor=a, answers=RegistrationAnswers())
    reg_b = register_for(exchange, actor=b, answers=RegistrationAnswers())
    reg_c = register_for(exchange, actor=c, answers=RegistrationAnswers())
    assert {reg_a.status, reg_b.status, reg_c.status} == {"pending"}
    assert "waiting for an organizer's approval" in body_text(outbox.last(to=a.email))
    assert "waits for approval" in body_text(outbox.last(to=organizer.email))
    outbox.deliver()  # everyone has heard "waiting for approval" before the decisions
    with pytest.raises(Forbidden):
        approve_registration(reg_a, actor=b)
    approve_registration(reg_a, actor=organizer)
    approve_registration(reg_b, actor=organizer)
    decline_registration(reg_c, actor=organizer)
    assert (_status(db, exchange, a), _status(db, exchange, b), _status(db, exchange, c)) == \
        ("registered", "waitlisted", "cancelled")
    assert calendar_of(outbox.last(to=a.email))["METHOD"] == "REQUEST"
    assert "could not approve" in body_text(outbox.last(to=c.email))
    with pytest.raises(Conflict):
        approve_registration(reg_c, actor=organizer)


def test_organizer_approves_through_the_registrations_page(db, client, login_as, make_user, make_exchange, organizer):
    exchange = make_exchange(requires_approval=True, created_by=organizer)
    person = make_user(name="Ngozi")
    registration = register_for(exchange, actor=person, answers=RegistrationAnswers(needs="Captions"))
    login_as(organizer)
    page = client.get(f"/exchanges/{exchange.id}/registrations").get_data(as_text=True)
    assert "Ngozi" in page and "Captions" in page and "awaiting approval" in page
    url = f"/exchanges/{exchange.id}/registrations/{registration.id}/approve"
    assert client.submit(url, {}, page=f"/exchanges/{exchange.id}/registrations").status_code == 302
    assert _status(db, exchange, person) == "registered"


def test_registrations_page_is_not_found_for_non_organizers(db, client, login_as, make_user, make_exchange):
    exchange = make_exchange()
    login_as(make_user())
    assert client.get(f"/exchanges/{exchange.id}/registrations").status_code == 404


def test_capacity_lowered_below_the_registered_count_evicts_nobody(db, client, login_as, make_user, make_exchange,
                                                                   organizer):
    exchange = make_exchange(capacity=3, created_by=organizer)
    people = [make_user() for _ in range(3)]
    for person in people:
        register_for(exchange, actor=person, answers=RegistrationAnswers())
    login_as(organizer)
    url = f"/exchanges/{exchange.id}/edit"
    form = {"kind": "webinar", "title": exchange.title, "timezone": "UTC", "languages": "en", "visibility": "public",
            "capacity": "1"}
    response = client.submit(url, form, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 people are registered beyond the new capacity. Nobody is removed" in html
    assert [_status(db, exchange, p) for p in people] == ["registered"] * 3
    # Newcomers wait; one cancellation still leaves the exchange over capacity, so nobody is promoted yet.
    newcomer = make_user()
    assert register_for(exchange, actor=newcomer, answers=RegistrationAnswers()).status == "waitlisted"
    cancel_registration(exchange, actor=people[0])
    assert _status(db, exchange, newcomer) == "waitlisted"
    cancel_registration(exchange, actor=people[1])
    cancel_registration(exchange, actor=people[2])
    assert _status(db, exchange, newcomer) == "registered"


def test_raising_capacity_promotes_the_waitlist_in_order(db, make_user, make_exchange, organizer, outbox):
    exchange = make_exchange(capacity=1, created_by=organizer)
    first, second, third = make_user(), make_user(), make_user()
    for person in (first, second, third):
        register_for(exchange, actor=person, answers=RegistrationAnswers())
    data = services.ExchangeData(kind="webinar", title=exchange.title, capacity=2)
    result = services.update_exchange(exchange, actor=organizer, data=data)
    assert result.promoted == 1
    assert (_status(db, exchange, second), _status(db, exchange, third)) == ("registered", "waitlisted")
    assert calendar_of(outbox.last(to=second.email))["METHOD"] == "REQUEST"


def test_the_last_seat_goes_to_exactly_one_of_many_simultaneous_requests(app, db, make_user, make_exchange,
                                                                         monkeypatch):
    """Real concurrent HTTP requests, each in its own thread with its own database session and connection."""
    from exchange.exchanges import registrations

    exchange = make_exchange(capacity=2)
    holder = make_user()
    register_for(exchange, actor=holder, answers=RegistrationAnswers())  # one seat left
    racers = [make_user() for _ in range(4)]
    exchange_id, url = exchange.id, f"/exchanges/{exchange.id}"
    clients = []
    for person in racers:
        c = log_in(app.test_client(), person)
        clients.append((c, c.csrf_token(url)))

    # Widen the window between counting seats and taking one: each request waits (briefly) for the others to
    # have counted too. Without the row lock they all count one free seat and all take it; with it, the
    # others are still queued on the lock, so the wait times out and they count after the winner commits.
    counted, arrived, guard = threading.Event(), [0], threading.Lock()
    real_seats_left = registrations.seats_left

    def slow_seats_left(ex):
        free = real_seats_left(ex)
        with guard:
            arrived[0] += 1
            if arrived[0] >= len(racers):
                counted.set()
        counted.wait(timeout=0.25)
        return free

    monkeypatch.setattr(registrations, "seats_left", slow_seats_left)
    barrier = threading.Barrier(len(clients))
    results: list[int] = []
    errors: list[BaseException] = []

    def race(c, token):
        try:
            barrier.wait(timeout=10)
            results.append(c.post(f"{url}/register", data={"csrf_token": token, "city_id": "0"}).status_code)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=race, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and results == [302] * len(racers)
    db.session.expire_all()
    statuses = sorted(db.session.scalars(select(Registration.status).where(
        Registration.exchange_id == exchange_id, Registration.user_id != holder.id)))
    assert statuses == ["registered"] + ["waitlisted"] * (len(racers) - 1)
    assert db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.exchange_id == exchange_id, Registration.status == "registered")) == 2
