"""Every use case that takes access away leaves one committed access revocation that other processes read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from exchange.accounts import services as accounts
from exchange.accounts.models import AccessRevocation, LoginSession, PasswordResetToken
from exchange.accounts.privacy import delete_account
from exchange.common.time import utcnow
from exchange.common.tokens import hash_token
from exchange.exchanges import registrations
from exchange.exchanges.services import remove_speaker
from exchange.live import access
from tests.live.helpers import PASSWORD


def _forget_rows(db) -> None:
    db.session.execute(delete(AccessRevocation))
    db.session.commit()


def _rows(db) -> list[AccessRevocation]:
    db.session.expire_all()
    return list(db.session.scalars(select(AccessRevocation).order_by(AccessRevocation.id)))


def _seen_elsewhere(db) -> tuple[set[int], set[str]]:
    """What another server process's watcher reads from the table (it did not write any row)."""
    return access.read_revocations(access.Cursor(), now=utcnow(), node="another-process")


def _disable_cli(world, db):
    accounts.set_disabled(world.people["official"], actor=None, disabled=True)


def _disable_by_admin(world, db):
    accounts.set_disabled(world.people["official"], actor=world.people["admin"], disabled=True)


def _delete(world, db):
    delete_account(world.people["official"], actor=world.people["official"], password=PASSWORD)


def _cancel(world, db):
    registrations.cancel_registration(world.exchange, actor=world.people["official"])


def _decline(world, db):
    world.registration.status = "pending"
    db.session.commit()
    _forget_rows(db)  # only the decision below counts here
    registrations.decline_registration(world.registration, actor=world.people["organizer"])


def _remove_speaker(world, db):
    speaker = next(s for s in world.session.speakers if s.user_id == world.people["official"].id)
    remove_speaker(speaker, actor=world.people["organizer"])


def _change_password(world, db):
    user = world.people["official"]
    accounts.change_password(user, actor=user, current_password=PASSWORD, new_password="a brand new passphrase")


def _demote(world, db):
    world.people["official"].role = "expert"
    db.session.commit()


@pytest.mark.parametrize("lose", [_disable_cli, _disable_by_admin, _delete, _cancel, _decline, _remove_speaker,
                                  _change_password, _demote],
                         ids=["disabled-cli", "disabled-admin", "deleted", "cancelled", "declined", "speaker-removed",
                              "password-changed", "role-changed"])
def test_losing_access_commits_one_revocation_that_other_processes_read(world, db, add_speaker, lose):
    add_speaker(world.people["official"], world.session, "panelist")
    _forget_rows(db)

    lose(world, db)

    rows = _rows(db)
    assert [(r.user_id, r.login, r.origin) for r in rows] == [(world.people["official"].id, None, access.NODE)]
    assert _seen_elsewhere(db) == ({world.people["official"].id}, set())
    # The process that wrote it closed its own sockets at commit: its watcher does not act twice.
    assert access.read_revocations(access.Cursor(), now=utcnow()) == (set(), set())


def test_a_rolled_back_change_leaves_no_revocation(world, db):
    world.people["official"].disabled = True
    db.session.flush()
    db.session.rollback()
    assert _rows(db) == []


def test_a_password_reset_by_link_revokes_and_logout_revokes_only_that_login(world, db, client):
    user = world.people["official"]
    db.session.add(PasswordResetToken(user=user, token_hash=hash_token("the-link"),
                                      expires_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    _forget_rows(db)
    accounts.reset_password(token="the-link", new_password="another brand new one")
    assert [r.user_id for r in _rows(db)] == [user.id]

    _forget_rows(db)
    assert client.submit("/accounts/login", {"email": world.people["organizer"].email, "password": PASSWORD}
                         ).status_code == 302
    login = db.session.scalar(select(LoginSession.id).where(LoginSession.user_id == world.people["organizer"].id))
    assert client.submit("/accounts/logout", page="/accounts/profile").status_code == 302
    assert [(r.user_id, r.login) for r in _rows(db)] == [(None, str(login))]
    assert _seen_elsewhere(db) == (set(), {str(login)})


def test_the_watcher_reads_a_row_that_committed_after_a_later_one(db):
    # PostgreSQL hands out ids at insert: id 1 may commit after id 2 was read. The time window still finds it.
    late = AccessRevocation(id=1, user_id=7, origin="elsewhere", at=utcnow())
    db.session.add(late)
    db.session.commit()
    cursor = access.Cursor(last_id=2)
    assert access.read_revocations(cursor, now=utcnow()) == ({7}, set())
    assert access.read_revocations(cursor, now=utcnow()) == (set(), set()), "a row is acted on once"


def test_old_revocations_are_deleted(db):
    now = utcnow()
    db.session.add_all([AccessRevocation(user_id=1, origin="x", at=now - timedelta(hours=2)),
                        AccessRevocation(user_id=2, origin="x", at=now - timedelta(minutes=5))])
    db.session.commit()
    assert access.delete_old_revocations(now=now) == 1
    assert [r.user_id for r in _rows(db)] == [2]


def test_a_starting_watcher_skips_rows_written_before_it_started(db):
    now = utcnow()
    db.session.add(AccessRevocation(user_id=1, origin="x", at=now - timedelta(seconds=30)))
    db.session.commit()
    cursor = access.start_cursor(since=now)
    db.session.add(AccessRevocation(user_id=2, origin="x", at=utcnow()))
    db.session.commit()
    assert access.read_revocations(cursor, now=utcnow()) == ({2}, set())


def test_listeners_are_registered_once_however_many_apps_are_made(app):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from exchange import create_app

    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert event.contains(Session, "before_flush", access._watch_rights)
    access.register_listeners()
    assert event.contains(Session, "before_flush", access._watch_rights)
