"""An organizer opens one outbox message: its headers, its text, its HTML only as text, its attachments' names."""

from __future__ import annotations

from exchange.mail.models import OutboxMessage
from exchange.mail.services import CalendarPart, Recipient, build_message

ICS = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:s-1@pe\r\nSEQUENCE:0\r\n"
       b"SUMMARY:Open budgets\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def stored(db, *, html: str = "<p>Hello</p>", calendar: bool = True) -> OutboxMessage:
    msg = build_message(sender="Peer Exchange <no-reply@pe.test>",
                        recipient=Recipient(email="ana@example.org", name="Ana Souza"),
                        subject="You are registered: Open budgets", text="See you on Tuesday.\nThe team",
                        html=html, calendar=CalendarPart(ics=ICS, method="REQUEST") if calendar else None)
    row = OutboxMessage(kind="registration", to_addr="ana@example.org", subject=msg["Subject"], raw=msg.as_string(),
                        status="sent", attempts=1)
    db.session.add(row)
    db.session.commit()
    return row


def test_an_organizer_reads_a_message_from_its_outbox_row(client, db, make_user, login_as):
    row = stored(db)
    login_as(make_user(role="organizer"))
    listing = client.get("/outbox/").get_data(as_text=True)
    assert f'href="/outbox/{row.id}"' in listing
    page = client.get(f"/outbox/{row.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for header in ("From", "To", "Subject", "Date"):
        assert f'<th scope="row">{header}</th>' in html
    assert "Peer Exchange &lt;no-reply@pe.test&gt;" in html and "Ana Souza &lt;ana@example.org&gt;" in html
    assert "You are registered: Open budgets" in html and "See you on Tuesday." in html
    assert "invite.ics" in html and "application/ics" in html and "text/calendar; method=REQUEST" in html


def test_the_html_part_is_shown_as_its_source_never_rendered(client, db, make_user, login_as):
    row = stored(db, html='<p>Hi</p><script>alert(1)</script><img src=x onerror="alert(2)">', calendar=False)
    login_as(make_user(role="organizer"))
    html = client.get(f"/outbox/{row.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "invite.ics" not in html


def test_only_organizers_open_a_message(client, db, make_user, login_as):
    row = stored(db)
    assert client.get(f"/outbox/{row.id}").status_code == 302  # to the login page
    login_as(make_user(role="official"))
    assert client.get(f"/outbox/{row.id}").status_code == 403
    login_as(make_user(role="expert"))
    assert "See you on Tuesday" not in client.get(f"/outbox/{row.id}").get_data(as_text=True)
    login_as(make_user(role="organizer"))
    assert client.get(f"/outbox/{row.id + 1}").status_code == 404
