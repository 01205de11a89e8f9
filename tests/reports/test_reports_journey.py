"""The issue's "done when", through the HTTP client as the organizer, the expert and the asker would live it."""

from __future__ import annotations

import re

from sqlalchemy import select

from exchange.live import services as live
from exchange.reports.models import FollowUp


def test_after_a_session_closes_the_organizer_reports_follows_up_and_publishes(ended, client, login_as, db, outbox):
    organizer, expert, asker = ended.organizer, ended.expert.user, ended.jakarta[1]
    live.close_room(ended.session.id, actor=organizer)  # the host presses "Close room" in the live room

    # 1. Attendance by city and stakeholder group, small groups suppressed.
    login_as(organizer)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/reports/"' in home and 'href="/library/"' in home
    dashboard = client.get("/reports/").get_data(as_text=True)
    assert "Open budgets" in dashboard
    page = client.get(f"/reports/exchanges/{ended.exchange.id}").get_data(as_text=True)
    city_table = page[page.index('id="t-city"'):page.index('id="t-region"')]
    assert "Jakarta" in city_table and "fewer than 5" in city_table
    assert re.search(r"<td>2</td>|<td>1</td>", city_table) is None
    group_table = page[page.index('id="t-stakeholder-group"'):page.index('id="t-gender"')]
    assert "Civil society" in group_table and "fewer than 5" in group_table
    assert asker.name not in page

    # 2. The anonymous, unanswered question is a follow-up; assigned to an expert.
    follow_ups = client.get("/reports/follow-ups").get_data(as_text=True)
    assert "hostile council" in follow_ups and asker.name not in follow_ups
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.question_id == ended.anonymous_id))
    assigned = client.submit(f"/reports/follow-ups/{follow_up.id}/assign", {"expert": str(expert.id)},
                             page="/reports/follow-ups", follow_redirects=True)
    assert "the expert has been emailed" in assigned.get_data(as_text=True)

    # 3. The expert follows the emailed link and answers in writing; the answer reaches the asker.
    mail = outbox.last(to=expert.email).get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://localhost(/follow-ups/\d+)", mail).group(1)
    login_as(expert)
    assert "Anonymous" in client.get(link).get_data(as_text=True)
    client.submit(link, {"answer": "Share the draft with the council before publishing."})
    to_asker = outbox.last(to=asker.email).get_body(preferencelist=("plain",)).get_content()
    assert "Share the draft with the council" in to_asker and "hostile council" in to_asker
    login_as(ended.lagos[3])
    summary = client.get(f"/sessions/{ended.session.id}/summary").get_data(as_text=True)
    assert "Share the draft with the council" in summary and asker.name not in summary

    # 4. The organizer publishes an outcome note; it is in the public library.
    login_as(organizer)
    form = client.get(f"/library/new?exchange={ended.exchange.id}").get_data(as_text=True)
    assert f'<option selected value="{ended.exchange.id}"' in form or f'value="{ended.exchange.id}" selected' in form
    saved = client.submit("/library/new", {"exchange_id": str(ended.exchange.id), "title": "Open budgets: what travels",
                                           "challenge": "Low trust.", "practice": "Publish monthly.",
                                           "lessons": "Start with one dataset.", "next_steps": "A follow-up clinic.",
                                           "media_links": "recording https://video.example/open-budgets",
                                           "status": "published"}, page=f"/library/new?exchange={ended.exchange.id}")
    assert saved.status_code == 302
    public = client.application.test_client()
    assert "Open budgets: what travels" in public.get("/library/").get_data(as_text=True)
