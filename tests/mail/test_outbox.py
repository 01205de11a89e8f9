"""The outbox: written with the change that caused it, delivered after commit, never dropped."""

from __future__ import annotations

import email
import re
import time
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange.common.time import utcnow
from exchange.extensions import db as _db
from exchange.mail import services as mail
from exchange.mail.models import OutboxMessage
from exchange.mail.services import CalendarPart, Recipient, deliver_pending, queue_email


def queue(to: str = "ana@example.org", **kw) -> OutboxMessage:
    recipient = kw.pop("recipient", None) or Recipient(email=to, name="Ana", timezone="America/Sao_Paulo")
    return queue_email(recipient, "welcome", subject=kw.pop("subject", _l("Welcome to Peer Exchange")), **kw)


def test_message_joins_the_transaction_and_rollback_drops_it(db, outbox):
    queue()
    db.session.rollback()
    assert outbox.rows() == []
    queue()
    db.session.commit()
    assert [r.status for r in outbox.rows()] == ["pending"]


def test_pending_messages_are_written_as_eml_files_without_smtp(app, db, outbox):
    queue()
    db.session.commit()
    report = deliver_pending()
    assert report.sent == 1
    files = sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert files
    parsed = email.message_from_bytes(files[-1].read_bytes(), policy=default_policy)
    assert parsed["To"] == "Ana <ana@example.org>"
    assert outbox.rows()[0].status == "sent"
    assert deliver_pending().sent == 0  # never twice


def test_delivery_through_a_real_smtp_server(db, outbox, smtp_server):
    queue(to="budi@example.org")
    db.session.commit()
    assert deliver_pending().sent == 1
    assert len(smtp_server.messages) == 1
    assert smtp_server.envelopes[0].rcpt_tos == ["budi@example.org"]
    assert smtp_server.messages[0]["Subject"] == "Welcome to Peer Exchange"


def test_failed_delivery_is_retried_with_backoff_and_stays_visible(app, db, outbox):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)  # nothing listens there
    try:
        queue()
        db.session.commit()
        report = deliver_pending()
        assert (report.sent, report.failed) == (0, 1)
        row = outbox.rows()[0]
        assert row.status == "pending" and row.attempts == 1 and "Error" in row.last_error
        assert row.next_attempt_at > utcnow() + timedelta(seconds=50)
        assert deliver_pending().failed == 0  # not due yet
        with time_machine.travel(utcnow() + timedelta(minutes=1, seconds=5)):
            assert deliver_pending().failed == 1
        db.session.expire_all()
        row = outbox.rows()[0]
        assert row.attempts == 2
        assert row.next_attempt_at - utcnow() > timedelta(seconds=110)  # the pause doubled
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25, MAIL_TIMEOUT=20)


def test_after_max_attempts_a_message_is_failed_not_deleted_and_can_be_retried(app, db, outbox):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_MAX_ATTEMPTS=2)
    try:
        queue()
        db.session.commit()
        deliver_pending()
        with time_machine.travel(utcnow() + timedelta(hours=1)):
            report = deliver_pending()
        assert report.gave_up == 1
        db.session.expire_all()
        assert outbox.rows()[0].status == "failed"
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25, MAIL_MAX_ATTEMPTS=8)
    assert mail.retry_failed() == 1
    assert deliver_pending().sent == 1
    db.session.expire_all()
    assert outbox.rows()[0].status == "sent"


def test_a_message_claimed_by_another_process_is_not_sent_twice(db, outbox):
    row = queue()
    db.session.commit()
    assert mail.claim_message(row.id) is True
    assert mail.claim_message(row.id) is False  # a second sender (cron + server) backs off
    assert deliver_pending().sent == 0
    with time_machine.travel(utcnow() + timedelta(seconds=mail.CLAIM_SECONDS + 5)):
        assert deliver_pending().sent == 1  # a claim left by a crashed sender expires


def test_calendar_layout_follows_the_design(db, outbox):
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    queue(calendar=CalendarPart(ics=ics, method="REQUEST"))
    db.session.commit()
    message = outbox.last()
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html", "text/calendar"]
    assert alternative.get_payload()[2].get_param("method") == "REQUEST"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content() == ics


def test_plain_message_is_text_and_html_alternative(db, outbox):
    queue()
    db.session.commit()
    message = outbox.last()
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.get_payload()] == ["text/plain", "text/html"]


def test_line_breaks_in_names_never_reach_headers(db, outbox):
    queue(recipient=Recipient(email="x@example.org", name="Eve\r\nBcc: victim@example.org"),
          subject="Hello\r\nBcc: victim@example.org")
    db.session.commit()
    message = outbox.last()
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "\n" not in message["To"]


def test_email_is_rendered_in_the_recipients_language(db, outbox):
    queue(recipient=Recipient(email="joao@example.org", name="João", language="pt", timezone="America/Sao_Paulo"))
    db.session.commit()
    assert outbox.last()["Content-Type"] is not None
    assert "America/Sao_Paulo" in outbox.last().get_body(preferencelist=("plain",)).get_content()


def test_background_loop_delivers_soon_after_commit(app, db, outbox):
    job = mail.start_background_delivery(app, interval=30.0)
    try:
        time.sleep(0.2)
        queue()
        db.session.commit()  # the commit wakes the loop long before its 30 s interval
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            _db.session.expire_all()
            if outbox.rows()[0].status == "sent":
                break
            time.sleep(0.1)
        assert outbox.rows()[0].status == "sent"
    finally:
        job.stop()


def test_outbox_page_lists_failures_for_organizers(client, db, make_user, login_as):
    row = queue()
    row.status, row.last_error, row.attempts = "failed", "SMTPRecipientsRefused: nope", 8
    db.session.commit()
    login_as(make_user(role="organizer"))
    html = client.get("/outbox/?status=failed").get_data(as_text=True)
    assert "SMTPRecipientsRefused: nope" in html and "ana@example.org" in html


# -- coalescing ---------------------------------------------------------------------------------------

def _coalesced(key: str = "k", *, window: float = 60, state: dict | None = None, subject=None) -> OutboxMessage:
    opened = mail.replace_unsent(key, window=timedelta(seconds=window))
    return queue(coalesce_key=key, not_before=opened.not_before, state=state,
                 **({"subject": subject} if subject else {}))


def test_a_coalesced_message_waits_for_its_window_and_the_sender_skips_it_until_then(db, outbox):
    with time_machine.travel(utcnow(), tick=False) as clock:
        row = _coalesced()
        db.session.commit()
        assert row.next_attempt_at == utcnow() + timedelta(seconds=60)
        assert deliver_pending().sent == 0
        assert mail.seconds_until_due(15.0) == 15.0 and mail.seconds_until_due(120.0) == 60.0
        clock.shift(60)
        assert mail.seconds_until_due(15.0) == 0.0
        assert deliver_pending().sent == 1


def test_a_newer_message_replaces_an_unsent_one_and_keeps_its_window(db, outbox):
    with time_machine.travel(utcnow(), tick=False) as clock:
        first = _coalesced(subject="first")
        db.session.commit()
        opened = first.next_attempt_at
        clock.shift(40)
        second = _coalesced(subject="second")
        db.session.commit()
        assert second.next_attempt_at == opened  # a fixed window: changes inside it do not push it back
        assert [(r.subject, r.status) for r in outbox.rows(superseded=True)] == [("first", "superseded"),
                                                                               ("second", "pending")]
        assert [r.subject for r in outbox.rows()] == ["second"]  # the superseded one is kept, never sent
        clock.shift(21)
        assert deliver_pending().sent == 1
        db.session.expire_all()
        assert [(r.subject, r.status) for r in outbox.rows(superseded=True)] == [("first", "superseded"),
                                                                               ("second", "sent")]
        clock.shift(5)
        third = _coalesced(subject="third")  # after a message went out, a new window opens
        assert third.next_attempt_at == utcnow() + timedelta(seconds=60)
        assert mail.last_kind("k") == "welcome"


def test_replacing_leaves_sent_and_claimed_messages_and_other_keys_alone(db, outbox):
    sent, claimed, other = _coalesced(), None, None
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(seconds=61)):
        assert deliver_pending().sent == 1
    claimed = _coalesced()
    other = _coalesced("other")
    db.session.commit()
    assert mail.claim_message(claimed.id)
    assert mail.replace_unsent("k", window=timedelta(seconds=60)).replaced == 0
    db.session.commit()
    db.session.expire_all()
    assert [r.status for r in (sent, claimed, other)] == ["sent", "sending", "pending"]


def test_a_failed_message_is_replaced_so_a_retry_never_sends_a_stale_one(app, db, outbox):
    row = _coalesced(window=0)
    row.status, row.attempts = "failed", 8
    db.session.commit()
    newer = _coalesced(window=0, subject="newer")
    db.session.commit()
    assert mail.retry_failed() == 0
    assert [(r.subject, r.status) for r in outbox.rows(superseded=True)] == [
        ("Welcome to Peer Exchange", "superseded"), ("newer", "pending")]
    assert newer.next_attempt_at <= utcnow()


def test_the_window_passes_its_state_on_and_a_rollback_keeps_the_old_message(db, outbox):
    _coalesced(state={"was": [[1, None]]})
    db.session.commit()
    assert mail.replace_unsent("k", window=timedelta(seconds=60)).state == {"was": [[1, None]]}
    db.session.rollback()
    assert [r.status for r in outbox.rows(superseded=True)] == ["pending"]


def test_the_calendar_state_of_a_message_is_remembered(db, make_user, outbox):
    user = make_user()
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    recipient = Recipient.of(user)
    queue(recipient=recipient, calendar=CalendarPart(ics=ics, method="REQUEST", uid="u1@test"))
    assert mail.last_calendar(user.id, "u1@test").method == "REQUEST"
    cancel = queue(recipient=recipient, calendar=CalendarPart(ics=ics.replace(b"REQUEST", b"CANCEL"), method="CANCEL",
                                                              uid="u1@test"), coalesce_key="c")
    assert mail.last_calendar(user.id, "u1@test").method == "CANCEL"
    mail.replace_unsent("c", window=timedelta(0))
    assert mail.last_calendar(user.id, "u1@test").method == "REQUEST"  # a replaced message never arrives
    assert cancel.ical_uid == "u1@test" and mail.last_calendar(user.id, "other@test") is None


def test_outbox_page_shows_replaced_messages(client, db, make_user, login_as):
    _coalesced(subject="old news")
    _coalesced(subject="news")
    db.session.commit()
    login_as(make_user(role="organizer"))
    html = client.get("/outbox/?status=superseded").get_data(as_text=True)
    assert "old news" in html and "replaced before sending" in html and ">news<" not in html


# -- how the email is put together -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "Surname, Given",
    'Eve" <evil@example.org>, "',
    "Team: a; b",
    "Zoë Ñúñez, «Ελένη» \\ \"Q\"",
    "<evil@example.org>",
])
def test_a_display_name_never_changes_who_the_to_header_names(db, outbox, smtp_server, name):
    queue(recipient=Recipient(email="ana@example.org", name=name))
    db.session.commit()
    assert deliver_pending().sent == 1
    message = smtp_server.messages[0]
    (only,) = message["To"].addresses  # one recipient, with an address: the name stays a name
    assert (only.addr_spec, only.display_name) == ("ana@example.org", name)
    assert smtp_server.envelopes[0].rcpt_tos == ["ana@example.org"]
    (sender,) = message["From"].addresses
    assert sender.addr_spec == "no-reply@peer-exchange.local" and sender.display_name == "Peer Exchange"


def test_the_calendar_keeps_crlf_line_ends_inline_and_attached(db, outbox, smtp_server):
    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Café\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".encode()
    queue(calendar=CalendarPart(ics=ics, method="REQUEST"))
    db.session.commit()
    deliver_pending()
    message = smtp_server.messages[0]
    inline = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    attachment = next(p for p in message.iter_attachments() if p.get_filename() == "invite.ics")
    assert inline.get_payload(decode=True) == ics and attachment.get_payload(decode=True) == ics
    assert inline.get_param("method") == "REQUEST" and inline.get_content_charset() == "utf-8"
    assert inline.get_content() == ics.decode()  # reads back as the same text, é included


def test_the_date_header_carries_a_real_offset(db, outbox):
    from email.utils import parsedate_to_datetime

    with time_machine.travel(datetime(2027, 3, 9, 14, 5, 7, tzinfo=UTC), tick=False):
        queue()
    db.session.commit()
    date = outbox.last()["Date"]
    assert str(date) == "Tue, 09 Mar 2027 14:05:07 +0000"  # UTC, said so (not -0000, "zone unknown")
    assert parsedate_to_datetime(str(date)) == datetime(2027, 3, 9, 14, 5, 7, tzinfo=UTC)


def test_the_sequence_of_a_calendar_part_is_remembered_per_person(db, make_user, outbox):
    user = make_user()
    recipient = Recipient.of(user)
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    queue(recipient=recipient, calendar=CalendarPart(ics=ics, method="REQUEST", uid="u1@test", sequence=4))
    queue(recipient=recipient, calendar=CalendarPart(ics=ics, method="CANCEL", uid="u1@test", sequence=5),
          coalesce_key="c")
    assert mail.last_calendar(user.id, "u1@test") == ("CANCEL", 5)
    mail.replace_unsent("c", window=timedelta(0))
    assert mail.last_calendar(user.id, "u1@test") == ("REQUEST", 4)  # a replaced message never arrives
    assert mail.last_calendar(make_user().id, "u1@test") is None


def _links(raw: str, path: str) -> list[str]:
    """Return every link to `path`… in the text and HTML parts of the message `raw`."""
    parsed = email.message_from_string(raw, policy=default_policy)
    found = []
    for part in parsed.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            found += re.findall(rf"https?://[^\s\"<>]*{re.escape(path)}[^\s\"<>]*", part.get_content())
    return found


def test_every_route_with_a_secret_token_is_redacted_after_sending(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "<token>" in rule.rule}
    assert routes == set(mail.SECRET_LINK_ENDPOINTS)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_after_smtp_delivery_the_outbox_keeps_no_working_reset_link(client, db, make_user, smtp_server, language):
    make_user(email="zoe@example.org", name="Zoé Lefèvre", language=language)
    client.submit("/accounts/reset", {"email": "zoe@example.org"})
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "password_reset"))
    assert len(_links(row.raw, "/accounts/reset/")) >= 1  # queued: the message must stay deliverable
    assert deliver_pending().sent == 1
    delivered = _links(smtp_server.messages[0].as_string(), "/accounts/reset/")
    stored = _links(db.session.get(OutboxMessage, row.id).raw, "/accounts/reset/")
    assert delivered and stored and len(stored) == len(delivered)
    assert all(link.endswith("/accounts/reset/" + mail.REDACTED) for link in stored)
    assert not any(link.rsplit("/", 1)[1] in db.session.get(OutboxMessage, row.id).raw for link in delivered)
    path = urlsplit(stored[0]).path
    assert client.get(path).status_code == 400  # the organizer's copy opens nothing
    assert client.get(urlsplit(delivered[0]).path).status_code == 200  # the person's own email still works
    assert db.session.get(OutboxMessage, row.id).subject  # what was sent, and to whom, stays visible
    assert db.session.get(OutboxMessage, row.id).to_addr == "zoe@example.org"


def test_after_smtp_delivery_a_verification_link_is_redacted_too(client, db, smtp_server):
    client.submit("/accounts/signup", {"name": "Nia", "email": "nia@example.org", "password": "long enough password",
                                       "timezone": "UTC", "language": "en"})
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == "nia@example.org"))
    assert _links(row.raw, "/accounts/verify/")
    deliver_pending()
    stored = _links(db.session.get(OutboxMessage, row.id).raw, "/accounts/verify/")
    assert stored and all(link.endswith("/accounts/verify/" + mail.REDACTED) for link in stored)
    assert client.get(urlsplit(stored[0]).path).status_code == 400


def test_without_smtp_the_local_outbox_keeps_the_link_the_demo_needs(client, db, make_user):
    make_user(email="ana@example.org")
    client.submit("/accounts/reset", {"email": "ana@example.org"})
    assert deliver_pending().sent == 1
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "password_reset"))
    links = _links(row.raw, "/accounts/reset/")
    assert links and client.get(urlsplit(links[0]).path).status_code == 200
