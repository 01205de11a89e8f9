"""The organizers' dashboard: registrations against attendance by group, questions, polls and survey results.

Every count of people passes through `tables.count_table`, which suppresses groups smaller than five.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..common.errors import Invalid, NotFound
from ..common.permissions import can, is_admin, require
from ..exchanges.models import Exchange, ExchangeSession, Registration
from ..exchanges.permissions import team_clause
from ..exchanges.services import STAKEHOLDER_LABELS
from ..experts.models import OfficialProfile
from ..extensions import db
from ..live.models import Attendance, Poll, Question
from ..live.services import poll_view
from .models import GENDERS, GROUP_IDENTITIES, FollowUp, SelfDescription, SurveyResponse
from .tables import THRESHOLD, Cell, Row, Table, count_table

GENDER_LABELS = {"woman": _l("Woman"), "man": _l("Man"), "non_binary": _l("Non-binary"),
                 "another": _l("Another gender"), "prefer_not_to_say": _l("Prefer not to say")}
IDENTITY_LABELS = {"yes": _l("Yes"), "no": _l("No"), "prefer_not_to_say": _l("Prefer not to say")}
NOT_GIVEN = _l("Not given")


@dataclass(frozen=True)
class Person:
    """One registration as the breakdowns see it (never shown one by one)."""

    city: str
    region: str
    group: str
    gender: str
    identity: str
    attended: bool


@dataclass
class Report:
    """Everything the dashboard shows for one exchange or the whole program."""

    title: str
    exchange: Exchange | None
    people: Table
    breakdowns: list[Table]
    questions: Table
    polls: list[Table] = field(default_factory=list)
    survey: list[Table] = field(default_factory=list)
    survey_responses: int = 0
    comments: dict[str, list[str]] = field(default_factory=dict)
    follow_ups: list[FollowUp] = field(default_factory=list)

    def tables(self) -> list[Table]:
        return [self.people, *self.breakdowns, self.questions, *self.polls, *self.survey]

    def table(self, key: str) -> Table:
        """Return the table called `key`, or raise NotFound."""
        for table in self.tables():
            if table.key == key:
                return table
        raise NotFound(_l("There is no such table."))


def _people(exchanges: list[Exchange]) -> list[Person]:
    ids = [e.id for e in exchanges]
    if not ids:
        return []
    registrations = list(db.session.scalars(
        select(Registration).where(Registration.exchange_id.in_(ids), Registration.holds_seat)
        .options(selectinload(Registration.city))))
    user_ids = {r.user_id for r in registrations}
    profiles = {p.user_id: p for p in db.session.scalars(
        select(OfficialProfile).where(OfficialProfile.user_id.in_(user_ids)).options(selectinload(OfficialProfile.city)))}
    described = {d.user_id: d for d in db.session.scalars(
        select(SelfDescription).where(SelfDescription.user_id.in_(user_ids)))}
    joined = set(db.session.execute(
        select(ExchangeSession.exchange_id, Attendance.user_id).join(ExchangeSession,
                                                                    ExchangeSession.id == Attendance.session_id)
        .where(ExchangeSession.exchange_id.in_(ids))).tuples())
    people = []
    for reg in registrations:
        profile = profiles.get(reg.user_id)
        city = reg.city or (profile.city if profile else None)
        group = reg.stakeholder_group or (profile.stakeholder_group if profile else "")
        description = described.get(reg.user_id)
        people.append(Person(
            city=city.name if city else "", region=city.region if city else "", group=group,
            gender=description.gender if description else "", identity=description.group_identity if description else "",
            attended=(reg.exchange_id, reg.user_id) in joined))
    return people


def _columns() -> list[str]:
    return [str(_l("Registered")), str(_l("Joined the live room"))]


def _breakdown(key: str, title, people: list[Person], attr: str, labels: dict | None = None) -> Table:
    """Registered and attended people by one attribute; 'not given' last, small groups suppressed."""
    registered, attended = Counter(), Counter()
    for person in people:
        value = getattr(person, attr)
        registered[value] += 1
        attended[value] += person.attended
    values = sorted((v for v in registered if v), key=lambda v: str((labels or {}).get(v, v)).lower())
    if "" in registered:
        values.append("")
    names = [str((labels or {}).get(v, v)) if v else str(NOT_GIVEN) for v in values]
    return count_table(key, str(title), names, _columns(), [[registered[v], attended[v]] for v in values],
                       totals=[len(people), sum(p.attended for p in people)])


def _questions_table(rows: list[tuple[str, list[int]]]) -> Table:
    """Questions are not people: their counts are shown whole."""
    columns = [str(_l("Asked")), str(_l("Answered in the room")), str(_l("Follow-ups")),
               str(_l("Answered in writing"))]
    table = Table(key="questions", title=str(_l("Questions asked and answered")), columns=columns)
    for label, counts in rows:
        table.rows.append(Row(label, [Cell(c) for c in counts]))
    table.total = Row("", [Cell(sum(r[1][i] for r in rows)) for i in range(len(columns))])
    return table


def _question_counts(session_ids: list[int]) -> dict[int, list[int]]:
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for session_id, status in db.session.execute(select(Question.session_id, Question.status).where(
            Question.session_id.in_(session_ids), Question.status != "dismissed")):
        counts[session_id][0] += 1
        counts[session_id][1] += status == "answered"
    for session_id, status in db.session.execute(select(FollowUp.session_id, FollowUp.status).where(
            FollowUp.session_id.in_(session_ids))):
        counts[session_id][2] += 1
        counts[session_id][3] += status == "answered"
    return counts


def _poll_tables(session_ids: list[int]) -> list[Table]:
    tables = []
    polls = db.session.scalars(select(Poll).where(Poll.session_id.in_(session_ids)).order_by(Poll.id))
    for poll in polls:
        view = poll_view(poll)
        tables.append(count_table(f"poll-{poll.id}", poll.prompt, [o["label"] for o in view["options"]],
                                  [str(_l("People who chose it"))], [[o["votes"]] for o in view["options"]],
                                  totals=[view["voters"]]))
    return tables


def _survey(session_ids: list[int], exchanges: list[Exchange]) -> tuple[list[Table], int, dict[str, list[str]]]:
    responses = list(db.session.scalars(select(SurveyResponse).where(SurveyResponse.session_id.in_(session_ids))))
    ratings = Counter(r.rating for r in responses)
    tables = [count_table("survey-ratings", str(_l("How useful was the session? (1 = not at all, 5 = very)")),
                          [str(n) for n in range(1, 6)], [str(_l("Responses"))], [[ratings[n]] for n in range(1, 6)],
                          totals=[len(responses)])]
    # Named responses only: anonymous ones carry nobody's group, by design.
    named = [r for r in responses if r.user_id is not None]
    groups = {}
    if named:
        groups = dict(list(db.session.execute(select(OfficialProfile.user_id, OfficialProfile.stakeholder_group).where(
            OfficialProfile.user_id.in_({r.user_id for r in named}))).tuples()))
    by_group: dict[str, list[int]] = defaultdict(list)
    for response in named:
        by_group[groups.get(response.user_id, "")].append(response.rating)
    keys = sorted((k for k in by_group if k), key=lambda k: str(STAKEHOLDER_LABELS.get(k, k)))
    keys += [""] if "" in by_group else []
    table = count_table("survey-groups", str(_l("Named responses by stakeholder group")),
                        [str(STAKEHOLDER_LABELS.get(k, k)) if k else str(NOT_GIVEN) for k in keys],
                        [str(_l("Responses"))], [[len(by_group[k])] for k in keys], totals=[len(named)],
                        note=str(_l("Anonymous responses are counted above but belong to no group.")))
    table.columns.append(str(_l("Average usefulness")))
    for key, row in zip(keys, table.rows, strict=True):
        ok = not row.cells[0].suppressed
        row.cells.append(Cell(round(sum(by_group[key]) / len(by_group[key]), 1)) if ok else Cell(None, True))
    if table.total is not None:
        ok = not table.total.cells[0].suppressed and named
        table.total.cells.append(Cell(round(sum(r.rating for r in named) / len(named), 1)) if ok else Cell(None, True))
    tables.append(table)
    comments: dict[str, list[str]] = {"will_apply": [], "to_change": []}
    if len(responses) >= THRESHOLD:  # a handful of comments could be told apart by their authors' colleagues
        comments["will_apply"] = sorted(r.will_apply for r in responses if r.will_apply.strip())
        comments["to_change"] = sorted(r.to_change for r in responses if r.to_change.strip())
    return tables, len(responses), comments


def _build(title: str, exchanges: list[Exchange], exchange: Exchange | None) -> Report:
    people = _people(exchanges)
    sessions = [s for e in exchanges for s in e.sessions]
    session_ids = [s.id for s in sessions]
    q_counts = _question_counts(session_ids)
    if exchange is not None:
        q_rows = [(s.title, q_counts[s.id]) for s in sessions]
    else:
        q_rows = [(e.title, [sum(q_counts[s.id][i] for s in e.sessions) for i in range(4)]) for e in exchanges]
    overall = count_table("people", str(_l("Registrations and attendance")), [str(_l("People"))], _columns(),
                          [[len(people), sum(p.attended for p in people)]])
    survey, responses, comments = _survey(session_ids, exchanges)
    follow_ups = []
    if exchange is not None:
        follow_ups = list(db.session.scalars(select(FollowUp).where(FollowUp.session_id.in_(session_ids))
                                             .order_by(FollowUp.id)))
    return Report(
        title=title, exchange=exchange, people=overall,
        breakdowns=[
            _breakdown("city", _l("By city"), people, "city"),
            _breakdown("region", _l("By region"), people, "region"),
            _breakdown("stakeholder-group", _l("By stakeholder group"), people, "group", STAKEHOLDER_LABELS),
            _breakdown("gender", _l("By gender (self-described, optional)"), people, "gender", GENDER_LABELS),
            _breakdown("group-identity", _l("Belongs to a group marginalised in their city (self-described, optional)"),
                       people, "identity", IDENTITY_LABELS),
        ],
        questions=_questions_table(q_rows), polls=_poll_tables(session_ids), survey=survey,
        survey_responses=responses, comments=comments, follow_ups=follow_ups)


def exchange_report(exchange_id: int, *, actor: Any) -> Report:
    """Return the dashboard of one exchange (its team and administrators)."""
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or not can(actor, "reports.view", exchange):
        raise NotFound(_l("There is no such report."))
    return _build(exchange.title, [exchange], exchange)


def program_report(*, actor: Any) -> tuple[Report, list[Exchange]]:
    """Return the dashboard over many exchanges and the exchanges it covers, drafts left out: for an administrator
    the whole program, for an organizer the exchanges of their teams (other teams' figures are theirs)."""
    require(actor, "reports.view", None, _l("Only organizers can see reports."))
    query = select(Exchange).where(Exchange.status != "draft")
    title = _l("The whole program")
    if not is_admin(actor):
        query, title = query.where(team_clause(actor, Exchange.id)), _l("Your teams' exchanges")
    exchanges = list(db.session.scalars(query.order_by(Exchange.created_at.desc(), Exchange.id.desc())))
    return _build(str(title), exchanges, None), exchanges


def self_description(*, actor: Any) -> SelfDescription:
    """Return the actor's optional self-description (a blank one when they have given none)."""
    return db.session.get(SelfDescription, actor.id) or SelfDescription(user_id=actor.id, gender="", group_identity="")


def describe_self(*, actor: Any, gender: str, group_identity: str) -> SelfDescription:
    """Save the actor's optional answers ("" = no answer); they are only ever counted, never shown one by one."""
    if gender not in ("", *GENDERS) or group_identity not in ("", *GROUP_IDENTITIES):
        raise Invalid(_l("Choose one of the answers offered."))
    row = db.session.get(SelfDescription, actor.id) or SelfDescription(user_id=actor.id)
    row.gender, row.group_identity = gender, group_identity
    db.session.add(row)
    db.session.commit()
    return row
