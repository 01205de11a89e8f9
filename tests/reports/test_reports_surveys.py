"""Post-session surveys: sent once per session and person, answered once, anonymously if chosen."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from exchange.reports.models import SurveyInvitation, SurveyResponse
from exchange.reports.surveys import send_due_surveys


def link_for(outbox, user) -> str:
    text = outbox.last(to=user.email).get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://localhost(/surveys/\S+)", text).group(1)


def test_surveys_go_once_to_participants_after_the_session(ended, db, outbox, make_user, register):
    register(make_user(name="Cancelled"), ended.exchange, status="cancelled")
    assert send_due_surveys() == 8
    assert send_due_surveys() == 0  # idempotent
    assert db.session.scalar(select(func.count()).select_from(SurveyInvitation)) == 8
    assert "How useful was" in outbox.last(to=ended.lagos[0].email)["Subject"]


def test_a_session_that_has_not_ended_gets_no_survey(db, make_exchange, make_user, register):
    register(make_user(), make_exchange())
    assert send_due_surveys() == 0


def test_an_anonymous_answer_keeps_no_person_and_the_link_works_once(ended, client, db, outbox):
    send_due_surveys()
    link = link_for(outbox, ended.lagos[0])
    page = client.get(link)
    assert page.status_code == 200 and "Answer anonymously" in page.get_data(as_text=True)
    done = client.submit(link, {"rating": "4", "will_apply": "Publish the budget", "to_change": "", "anonymous": "y"})
    assert done.status_code == 200 and "Thank you" in done.get_data(as_text=True)
    response = db.session.scalar(select(SurveyResponse))
    assert response.user_id is None and response.rating == 4
    assert client.get(link).status_code == 409


def test_a_named_answer_keeps_the_person(ended, client, db, outbox):
    send_due_surveys()
    link = link_for(outbox, ended.lagos[1])
    client.submit(link, {"rating": "5", "will_apply": "", "to_change": "Longer Q&A"})
    assert db.session.scalar(select(SurveyResponse.user_id)) == ended.lagos[1].id


def test_bad_input_and_bad_links_change_nothing(ended, client, db, outbox):
    send_due_surveys()
    link = link_for(outbox, ended.lagos[0])
    assert client.submit(link, {"rating": "9"}).status_code == 400
    assert client.get("/surveys/not-a-token").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_results_are_aggregated_with_small_groups_suppressed(ended, client, db, outbox, login_as):
    send_due_surveys()
    for i, person in enumerate(ended.lagos):
        client.submit(link_for(outbox, person), {"rating": "5" if i < 5 else "2", "will_apply": f"Idea {i}",
                                                 "anonymous": "y" if i % 2 else ""})
    login_as(ended.organizer)
    csv_text = client.get(f"/reports/exchanges/{ended.exchange.id}/survey-ratings.csv").get_data(as_text=True)
    # One rating of 2 is hidden, so the five 5s are hidden too: the total (6) must not give the 2 back.
    assert csv_text.replace("\r", "").splitlines() == ["Group,Responses", "1,0", "2,fewer than 5", "3,0", "4,0",
                                                       "5,fewer than 5", "Total,6"]
    page = client.get(f"/reports/exchanges/{ended.exchange.id}").get_data(as_text=True)
    assert "Idea 3" in page
    for person in ended.lagos:
        assert person.name not in page


def test_cli_sends_due_surveys(app, ended, db):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from exchange.cli import cli

    result = CliRunner().invoke(cli, ["surveys", "send"], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0 and "Queued 8 survey email(s)." in result.output


def test_the_rating_is_one_compact_accessible_scale(ended, client, outbox):
    """Issue 21 §4: one fieldset with its legend; five radios in one row, each tied to its visible number 1–5; the
    ends named "Not useful" and "Very useful" and tied to the radios 1 and 5; an error points at the group."""
    from html.parser import HTMLParser

    class Scale(HTMLParser):
        def __init__(self):
            super().__init__()
            self.fieldsets, self.legends, self.radios, self.labels, self.texts = 0, [], [], {}, {}
            self._in, self._id = None, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "fieldset" and "rating" in (a.get("class") or "").split():
                self.fieldsets += 1
            if tag == "input" and a.get("name") == "rating":
                self.radios.append(a)
            if tag in ("legend", "label", "span", "p"):
                self._in, self._id = (tag, a.get("for") or a.get("id")), None
            if tag == "legend":
                self.legends.append("")

        def handle_data(self, data):
            if not self._in:
                return
            tag, key = self._in
            if tag == "legend":
                self.legends[-1] += data
            elif tag == "label" and key:
                self.labels[key] = self.labels.get(key, "") + data
            elif key:
                self.texts[key] = self.texts.get(key, "") + data

        def handle_endtag(self, tag):
            self._in = None

    send_due_surveys()
    link = link_for(outbox, ended.lagos[0])
    scale = Scale()
    scale.feed(client.get(link).get_data(as_text=True))
    assert scale.fieldsets == 1 and any("How useful was this session" in legend for legend in scale.legends)
    assert [r["type"] for r in scale.radios] == ["radio"] * 5
    assert [scale.labels[r["id"]].strip() for r in scale.radios] == ["1", "2", "3", "4", "5"]
    assert [r["value"] for r in scale.radios] == ["1", "2", "3", "4", "5"]
    assert all("required" in r for r in scale.radios)
    assert scale.texts[scale.radios[0]["aria-describedby"]].strip() == "Not useful"
    assert scale.texts[scale.radios[4]["aria-describedby"]].strip() == "Very useful"
    assert "aria-describedby" not in scale.radios[2]

    refused = client.submit(link, {"will_apply": "", "to_change": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'href="#rating-0"' in page and 'aria-describedby="rating-error"' in page
