"""Peer requests: an official's challenge, sent to one approved expert who accepts or declines, and matching.

Each public write commits once, with its emails in the same transaction. `stage_decline_open_requests` is the
one helper other modules of the package use (an expert who leaves can no longer answer); it never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..common import permissions
from ..common.errors import Conflict, Invalid, NotFound, Problems
from ..common.time import utcnow
from ..common.urls import public_url
from ..exchanges.models import Exchange, ExchangeSession, SessionSpeaker
from ..extensions import db
from ..mail.services import Recipient, queue_email
from . import matching
from .checks import clean_text, find_focus_areas, find_topics
from .directory import windows_of
from .models import ExpertProfile, FocusArea, PeerRequest, expert_focus_areas, expert_topics
from .officials import get_official_profile
from .vocab import check_languages, check_zone

LOAD_WINDOW = timedelta(days=90)  # an accepted peer request counts as current work this long


def stage_decline_open_requests(profile: ExpertProfile, note: str) -> None:
    """Close requests still waiting for this expert (who can no longer answer them) and tell the requesters."""
    waiting = db.session.scalars(select(PeerRequest).where(PeerRequest.expert_id == profile.id,
                                                           PeerRequest.status == "sent"))
    for req in waiting:
        req.status, req.responded_at, req.response_note = "declined", utcnow(), note
        _email_requesters(req, "peer_request_declined", _l("Your peer request was declined"))


@dataclass
class Challenge:
    """What an official needs help with, as the services take it."""

    title: str
    description: str
    focus_area: str
    topics: list[str]
    languages: list[str]
    timezone: str
    hours_start: int = matching.WORK_START
    hours_end: int = matching.WORK_END
    preferred_times: str = ""


def default_zone_for(official: User) -> str:
    """Return the zone of the official's working hours: their city's, else their account's."""
    profile = get_official_profile(official)
    return profile.city.timezone if profile is not None and profile.city is not None else official.timezone


def default_languages_for(official: User) -> list[str]:
    profile = get_official_profile(official)
    return profile.language_codes if profile is not None and profile.language_codes else [official.language]


def _focus_area(slug: str) -> FocusArea:
    if not slug:
        raise Invalid(_l("Choose the focus area of your challenge."), field="focus_area")
    return find_focus_areas([slug])[0]


def _clean_challenge(c: Challenge) -> dict:
    """Check every field of a challenge; all the problems are raised together, in the form's order."""
    problems = Problems()
    values = {
        "title": problems.check(clean_text, c.title, field="title", label=_l("a short title"), max_len=160),
        "description": problems.check(clean_text, c.description, field="description", label=_l("the challenge"),
                                      max_len=5000, multiline=True),
        "focus_area": problems.check(_focus_area, c.focus_area),
        "topics": problems.check(find_topics, c.topics, required=False, default=[]),
        "languages": ",".join(problems.check(check_languages, c.languages, default=[])),
        "timezone": problems.check(check_zone, c.timezone),
        "hours_start": c.hours_start,
        "hours_end": c.hours_end,
        "preferred_times": problems.check(clean_text, c.preferred_times, field="preferred_times",
                                          label=_l("preferred times"), max_len=1000, required=False, multiline=True),
    }
    if not (0 <= c.hours_start < c.hours_end <= 1440):
        problems.add(Invalid(_l("Your working hours must start before they end."), field="hours_start"))
    problems.raise_any()
    return values


def create_peer_request(*, actor: User, challenge: Challenge, official_id: int | None = None,
                        expert_id: int | None = None) -> PeerRequest:
    """Describe a challenge (for yourself, or as an organizer for an official); send it at once when an expert is named."""
    permissions.require(actor, "peer_request.create")
    official = db.session.get(User, official_id) if official_id else actor
    if official is not None and official.id != actor.id:
        permissions.require(actor, "peer_request.create_for_others")
    problems = Problems()
    if official is None or official.role != "official" or official.disabled:
        problems.add(Invalid(_l("Choose the official this challenge is for."), field="official"))
    values = problems.check(_clean_challenge, challenge)
    problems.raise_any()
    expert = _expert_to_ask(expert_id, official, actor) if expert_id else None
    req = PeerRequest(official=official, requester=actor, **values)
    db.session.add(req)
    if expert is not None:
        _send(req, expert)
    db.session.commit()
    return req


def _expert_to_ask(expert_id: int, official: User, actor: User) -> ExpertProfile:
    expert = db.session.get(ExpertProfile, expert_id)
    if expert is None or expert.status != "approved" or expert.user.disabled:
        raise NotFound(_l("No such peer expert."))
    if expert.user_id in (official.id, actor.id):
        raise Invalid(_l("You cannot send a request to yourself."))
    return expert


def _send(req: PeerRequest, expert: ExpertProfile) -> None:
    req.expert, req.status, req.sent_at = expert, "sent", utcnow()
    db.session.flush()  # the email links to the request by id
    queue_email(Recipient.of(expert.user), "peer_request_sent",
                subject=_l("A megacity official asks for your advice: %(title)s", title=req.title),
                context={"req": req, "official": req.official, "profile": get_official_profile(req.official),
                         "link": public_url("experts.peer_request", request_id=req.id)})


def send_peer_request(req: PeerRequest, *, actor: User, expert_id: int) -> PeerRequest:
    """Send a described challenge to one approved expert, who is emailed."""
    permissions.require(actor, "peer_request.send", req)
    if req.status != "draft":
        raise Conflict(_l("This request was already sent."))
    _send(req, _expert_to_ask(expert_id, req.official, actor))
    db.session.commit()
    return req


def _email_requesters(req: PeerRequest, template: str, subject) -> None:
    people = [req.official] + ([req.requester] if req.requester is not None and req.requester.id != req.official_id else [])
    for person in people:
        queue_email(Recipient.of(person), template, subject=subject,
                    context={"req": req, "expert": req.expert, "link": public_url("experts.peer_request", request_id=req.id)})


def respond_to_peer_request(req: PeerRequest, *, actor: User, accept: bool, note: str = "") -> PeerRequest:
    """The expert accepts or declines; the official (and the organizer who asked for them) is emailed."""
    permissions.require(actor, "peer_request.respond", req)
    if req.status != "sent":
        raise Conflict(_l("This request is no longer waiting for an answer."))
    req.response_note = clean_text(note, field="note", label=_l("a note"), max_len=2000, required=False, multiline=True)
    req.status, req.responded_at = ("accepted" if accept else "declined"), utcnow()
    if accept:
        _email_requesters(req, "peer_request_accepted", _l("%(name)s accepted your peer request", name=req.expert.user.name))
    else:
        _email_requesters(req, "peer_request_declined", _l("Your peer request was declined"))
    db.session.commit()
    return req


def cancel_peer_request(req: PeerRequest, *, actor: User) -> PeerRequest:
    """Withdraw a request that is not answered yet; an expert already asked is told."""
    permissions.require(actor, "peer_request.cancel", req)
    if req.status not in ("draft", "sent"):
        raise Conflict(_l("Only a request that is not answered yet can be cancelled."))
    if req.status == "sent":
        queue_email(Recipient.of(req.expert.user), "peer_request_cancelled",
                    subject=_l("A peer request to you was cancelled"), context={"req": req})
    req.status = "cancelled"
    db.session.commit()
    return req


def get_peer_request(request_id: int, *, actor) -> PeerRequest:
    """Return a request the actor may see; anyone else gets NotFound (the same as a missing one)."""
    req = db.session.scalar(
        select(PeerRequest).where(PeerRequest.id == request_id)
        .options(joinedload(PeerRequest.official), joinedload(PeerRequest.requester),
                 joinedload(PeerRequest.expert).joinedload(ExpertProfile.user), selectinload(PeerRequest.topics))
    )
    if req is None or not permissions.can(actor, "peer_request.view", req):
        raise NotFound(_l("No such peer request."))
    return req


def list_peer_requests(*, actor: User, status: str | None = None) -> list[PeerRequest]:
    """Return the requests the actor may see (organizers: all), newest first."""
    permissions.require(actor, "peer_request.list")
    query = (select(PeerRequest).outerjoin(ExpertProfile, PeerRequest.expert)
             .options(joinedload(PeerRequest.official), joinedload(PeerRequest.expert).joinedload(ExpertProfile.user))
             .order_by(PeerRequest.created_at.desc(), PeerRequest.id.desc()))
    if not permissions.is_organizer(actor):
        query = query.where(or_(PeerRequest.official_id == actor.id, PeerRequest.requester_id == actor.id,
                                and_(ExpertProfile.user_id == actor.id, PeerRequest.status != "draft")))
    if status:
        query = query.where(PeerRequest.status == status)
    return list(db.session.scalars(query))


def _current_load(expert_ids: list[int], user_ids: list[int], now: datetime) -> dict[str, dict[int, int]]:
    """Count each expert's commitments: upcoming accepted speaking slots and recently accepted peer requests."""
    speaking = dict(db.session.execute(
        select(SessionSpeaker.user_id, func.count()).join(ExchangeSession, SessionSpeaker.session)
        .join(Exchange, ExchangeSession.exchange)
        .where(SessionSpeaker.user_id.in_(user_ids), SessionSpeaker.status == "accepted",
               ExchangeSession.status == "scheduled", ExchangeSession.ends_at > now, Exchange.status != "cancelled")
        .group_by(SessionSpeaker.user_id)).all()) if user_ids else {}
    advising = dict(db.session.execute(
        select(PeerRequest.expert_id, func.count())
        .where(PeerRequest.expert_id.in_(expert_ids), PeerRequest.status == "accepted",
               PeerRequest.responded_at > now - LOAD_WINDOW)
        .group_by(PeerRequest.expert_id)).all()) if expert_ids else {}
    return {"speaking": speaking, "advising": advising}


def suggest_experts(req: PeerRequest, *, actor, at: datetime | None = None, limit: int = 10) -> list[matching.Suggestion]:
    """Rank approved experts for a request's challenge, each with the reasons for its place."""
    permissions.require(actor, "peer_request.send", req)
    at = at or utcnow()
    topic_ids = {t.id for t in req.topics}
    relevant = [exists().where(expert_topics.c.expert_id == ExpertProfile.id, expert_topics.c.topic_id.in_(topic_ids))]
    if req.focus_area_id is not None:
        relevant.append(exists().where(expert_focus_areas.c.expert_id == ExpertProfile.id,
                                       expert_focus_areas.c.focus_area_id == req.focus_area_id))
    experts = db.session.scalars(
        select(ExpertProfile).join(User, ExpertProfile.user)
        .where(ExpertProfile.status == "approved", User.disabled.is_(False), or_(*relevant),
               ExpertProfile.user_id.not_in([req.official_id, req.requester_id or 0]))
        .options(joinedload(ExpertProfile.user), selectinload(ExpertProfile.topics),
                 selectinload(ExpertProfile.focus_areas), selectinload(ExpertProfile.languages),
                 selectinload(ExpertProfile.availability))
    ).unique().all()
    load = _current_load([e.id for e in experts], [e.user_id for e in experts], at)
    facts = [matching.ExpertFacts(
        expert_id=e.id, name=e.user.name, zone=e.timezone, topics={t.id: t.name for t in e.topics},
        focus_area_ids={a.id for a in e.focus_areas}, languages={lang.code: lang.level for lang in e.languages},
        windows=windows_of(e), load=load["speaking"].get(e.user_id, 0) + load["advising"].get(e.id, 0),
    ) for e in experts]
    challenge = matching.ChallengeFacts(
        topic_ids=topic_ids, focus_area_id=req.focus_area_id,
        focus_area_name=req.focus_area.name if req.focus_area else "", languages=req.language_codes,
        hours=matching.Hours(zone=req.timezone, start_minute=req.hours_start, end_minute=req.hours_end))
    by_id = {e.id: e for e in experts}
    ranked = matching.rank_experts(facts, challenge, at=at, limit=limit)
    for suggestion in ranked:
        suggestion.expert = by_id[suggestion.expert_id]
    return ranked


def exchange_prefill(req: PeerRequest) -> dict[str, str | int]:
    """Return what the new-exchange form (`exchanges.new`) reads from its query string, filled from a request.

    `peer_request` is the request's id: the form notes it under the description ("Arranged from peer request #…").
    """
    lines = [req.description, ""]
    if req.preferred_times:
        lines.append(str(_l("Preferred times: %(times)s", times=req.preferred_times)))
    lines.append(str(_l("From peer request #%(id)d by %(name)s.", id=req.id, name=req.official.name)))
    return {
        "kind": "peer_exchange",
        "title": req.title,
        "description": "\n".join(lines).strip(),
        "topics": ",".join(t.slug for t in req.topics),
        "speaker": req.expert.user_id if req.expert else "",
        "invitee": req.official_id,
        "peer_request": req.id,
    }
