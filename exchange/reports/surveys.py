"""Post-session surveys: one emailed link per session and participant, answerable without logging in.

`send_due_surveys` is idempotent: the unique (session, person) key on SurveyInvitation means a second run,
or a second process (the server's thread and cron), queues nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..common.errors import Conflict, Invalid, NotFound
from ..common.scheduler import Loop, start_every
from ..common.time import utcnow
from ..common.tokens import hash_token, new_token
from ..common.urls import public_url
from ..exchanges.models import Exchange, ExchangeSession, Registration
from ..extensions import db
from ..mail.services import Recipient, queue_email
from .models import SurveyInvitation, SurveyResponse

log = logging.getLogger(__name__)

# Sessions that ended longer ago than this get no survey (a first deployment does not mail the whole history).
SURVEY_WINDOW = timedelta(days=3)
TEXT_MAX = 2000



def due_surveys(*, now: datetime) -> list[tuple[int, int]]:
    """Return (session id, user id) pairs whose survey is due and not yet sent."""
    sessions = list(db.session.execute(
        select(ExchangeSession.id, ExchangeSession.exchange_id).join(Exchange)
        .where(ExchangeSession.ends_at <= now, ExchangeSession.ends_at > now - SURVEY_WINDOW,
               ExchangeSession.status != "cancelled", Exchange.status == "published")).tuples())
    if not sessions:
        return []
    by_exchange: dict[int, list[int]] = {}
    for session_id, exchange_id in sessions:
        by_exchange.setdefault(exchange_id, []).append(session_id)
    sent = set(db.session.execute(select(SurveyInvitation.session_id, SurveyInvitation.user_id).where(
        SurveyInvitation.session_id.in_([s for s, _ in sessions]))).tuples())
    due = []
    for exchange_id, user_id in db.session.execute(
            select(Registration.exchange_id, Registration.user_id).join(Registration.user)
            .where(Registration.exchange_id.in_(by_exchange), Registration.holds_seat,
                   User.disabled.is_(False))):
        due += [(sid, user_id) for sid in by_exchange[exchange_id] if (sid, user_id) not in sent]
    db.session.commit()  # end the read: each survey below is its own short transaction
    return sorted(due)


def _queue_survey(session_id: int, user_id: int, now: datetime) -> None:
    token = new_token()
    db.session.add(SurveyInvitation(session_id=session_id, user_id=user_id, token_hash=hash_token(token), sent_at=now))
    db.session.flush()  # claim first: a second sender stops here on the unique key
    session = db.session.get(ExchangeSession, session_id)
    user = db.session.get(User, user_id)
    queue_email(Recipient.of(user), "survey_invitation", kind="survey_invitation",
                subject=_l("How useful was %(title)s?", title=session.title),
                context={"session": session, "link": public_url("reports.survey", token=token)})


def send_due_surveys(*, now: datetime | None = None) -> int:
    """Queue every due survey email once; return how many this call queued."""
    now = now or utcnow()
    queued = 0
    for session_id, user_id in due_surveys(now=now):
        try:
            _queue_survey(session_id, user_id, now)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another sender got there first
        else:
            queued += 1
    return queued


def _survey_round() -> None:
    count = send_due_surveys()
    if count:
        log.info("queued %s survey(s)", count)


def start_survey_scheduler(app, interval: float | None = None) -> Loop:
    """Start the survey loop in a daemon thread (inside `exchange serve`); return the `Loop` that can stop it."""
    every = interval or float(app.config.get("SURVEY_INTERVAL", 300))
    return start_every(app, _survey_round, interval=every, name="surveys")


@dataclass
class SurveyLink:
    invitation: SurveyInvitation
    session: ExchangeSession


def open_survey(token: str) -> SurveyLink:
    """Return the survey behind a link; NotFound for an unknown link, Conflict once answered."""
    invitation = db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.token_hash == hash_token(token or "")))
    if invitation is None:
        raise NotFound(_l("This survey link is not valid. Check that you copied the whole link from the email."))
    if invitation.used:
        raise Conflict(_l("This survey has already been answered. Thank you!"))
    return SurveyLink(invitation=invitation, session=invitation.session)


def answer_survey(token: str, *, rating: int, will_apply: str, to_change: str, anonymous: bool) -> SurveyResponse:
    """Store one answer for a link (once); an anonymous answer keeps nothing that points to the person."""
    link = open_survey(token)
    if rating not in range(1, 6):
        raise Invalid(_l("Choose a rating from 1 to 5."), field="rating")
    texts = [(will_apply or "").strip(), (to_change or "").strip()]
    if any(len(t) > TEXT_MAX for t in texts):
        raise Invalid(_l("Please keep each answer under %(n)s characters.", n=TEXT_MAX))
    response = SurveyResponse(session_id=link.session.id, user_id=None if anonymous else link.invitation.user_id,
                              rating=rating, will_apply=texts[0], to_change=texts[1])
    claimed = db.session.execute(update(SurveyInvitation).where(
        SurveyInvitation.id == link.invitation.id, SurveyInvitation.used.is_(False)).values(used=True)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:  # a second tab submitted at the same moment
        db.session.rollback()
        raise Conflict(_l("This survey has already been answered. Thank you!"))
    db.session.add(response)
    db.session.commit()
    return response
