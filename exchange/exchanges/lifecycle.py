"""An exchange's life: create it, edit it, publish it, cancel it.

Each public write commits once; its emails and calendar messages go through `notify` inside the transaction. The
`stage_*` functions are the same steps without the commit, shared with program import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..common import permissions
from ..common.errors import Conflict, Invalid, Problems
from ..common.time import is_zone, local_to_utc
from ..experts.models import City, FocusArea, Topic
from ..extensions import db
from . import notify
from .checks import LANGUAGES, ExchangeData, SessionData, check_video_url, clean_text, to_utc
from .models import EXCHANGE_KINDS, VISIBILITIES, Exchange, SpeakerRole
from .registrations import (
    lock_exchange,
    seats_taken,
    stage_invite_user,
    stage_promote_waitlist,
    stage_send_waiting_invitations,
)
from .sessions import check_new_session, stage_bump_sequence, stage_new_session
from .speakers import stage_add_speaker
from .team import stage_add_creator
from .timeinfo import is_past


def _choice(ok: bool, message, field: str) -> None:
    if not ok:
        raise Invalid(message, field=field)


def _languages(codes: list[str]) -> str:
    languages = [code for code in dict.fromkeys(codes) if code]
    if not languages or any(code not in LANGUAGES for code in languages):
        raise Invalid(_l("Choose at least one language from the list."), field="languages")
    return ",".join(languages)


def _deadline(local: datetime | None, zone: str) -> datetime | None:
    if local is None:
        return None
    try:
        return to_utc(local, zone, None, "registration_deadline")
    except Invalid as exc:
        if exc.details.get("reason") != "ambiguous":
            raise
        # A deadline in the repeated fall-back hour: the earlier of the two is the safe reading.
        return local_to_utc(local, zone, fold=0)


def stage_exchange_data(exchange: Exchange, data: ExchangeData) -> None:
    """Check an exchange's fields and set them (no commit; for `create_exchange`, `update_exchange`, program import).

    Every field is checked before any is set; all the problems are raised together, in the form's order.
    """
    with db.session.no_autoflush:  # the exchange may be in the session already, its fields not yet set
        problems = Problems()
        problems.check(_choice, data.kind in EXCHANGE_KINDS, _l("Choose a kind: webinar, peer exchange or conference."),
                       "kind")
        values = {
            "title": problems.check(clean_text, data.title, field_name="title", label=_l("a title"), max_len=200,
                                    required=True),
            "description": problems.check(clean_text, data.description, field_name="description",
                                          label=_l("The description"), max_len=20_000),
        }
        problems.check(_choice, data.visibility in VISIBILITIES,
                       _l("Choose who can see the exchange: public or invite-only."), "visibility")
        problems.check(_choice, data.capacity is None or 1 <= data.capacity <= 100_000,
                       _l("Capacity must be a whole number from 1 to 100000, or empty for no limit."), "capacity")
        zone_ok = is_zone(data.timezone)
        problems.check(_choice, zone_ok, _l("Unknown time zone “%(zone)s”. Choose one from the list.",
                                            zone=data.timezone or ""), "timezone")
        values.update(
            languages=problems.check(_languages, data.languages),
            interpretation_notes=problems.check(clean_text, data.interpretation_notes, field_name="interpretation_notes",
                                                label=_l("Interpretation notes"), max_len=2000),
            video_url=problems.check(check_video_url, data.video_url),
            registration_deadline=problems.check(_deadline, data.registration_deadline, data.timezone) if zone_ok else None,
            focus_areas=problems.check(_by_ids, FocusArea, data.focus_area_ids, "focus_areas"),
            topics=problems.check(_by_ids, Topic, data.topic_ids, "topics"),
            cities=problems.check(_by_ids, City, data.city_ids, "cities"),
        )
    problems.raise_any()
    for name, value in values.items():
        setattr(exchange, name, value)
    exchange.kind = data.kind
    exchange.visibility = data.visibility
    exchange.capacity = data.capacity
    exchange.requires_approval = bool(data.requires_approval)
    exchange.timezone = data.timezone


def _by_ids(model, ids: list[int], field_name: str) -> list:
    ids = list(dict.fromkeys(int(i) for i in ids or []))
    if not ids:
        return []
    found = list(db.session.scalars(select(model).where(model.id.in_(ids))))
    if len(found) != len(ids):
        raise Invalid(_l("One of the chosen items no longer exists. Reload the page and choose again."), field=field_name)
    order = {i: n for n, i in enumerate(ids)}
    return sorted(found, key=lambda row: order[row.id])


def create_exchange(*, actor: User, data: ExchangeData, first_session: SessionData | None = None,
                    speaker_id: int | None = None, invitee_id: int | None = None, publish: bool = False) -> Exchange:
    """Create an exchange (with its first session, a first speaker and a first invitee when given); its creator is
    its team's first member."""
    permissions.require(actor, "exchange.create")
    exchange = Exchange(created_by=actor, status="draft")
    problems = Problems()  # the exchange's fields and its first session's, all reported together
    problems.check(stage_exchange_data, exchange, data)
    if first_session is not None:
        check_new_session(exchange, first_session, problems)
    problems.raise_any()
    db.session.add(exchange)
    stage_add_creator(exchange, actor)
    session = stage_new_session(exchange, first_session, actor=actor) if first_session is not None else None
    if publish:
        _publish(exchange)
    if session is not None and speaker_id:  # after publishing: a speaker's first invite is already CONFIRMED
        stage_add_speaker(session, actor=actor, user_id=speaker_id, role=SpeakerRole.PANELIST)
    if invitee_id:
        stage_invite_user(exchange, actor=actor, user_id=invitee_id)
    db.session.commit()
    return exchange


@dataclass
class UpdateResult:
    exchange: Exchange
    over_capacity: int = 0  # people registered beyond a capacity that was lowered below them
    promoted: int = 0


def update_exchange(exchange: Exchange, *, actor: User, data: ExchangeData) -> UpdateResult:
    """Save an organizer's edits; a lowered capacity never removes anyone, a raised one promotes in order."""
    permissions.require(actor, "exchange.manage", exchange)
    lock_exchange(exchange.id)  # capacity and seats are read and changed together
    old_url = exchange.video_url
    stage_exchange_data(exchange, data)
    result = UpdateResult(exchange)
    if exchange.video_url != old_url:
        for session in notify.upcoming_sessions(exchange):
            stage_bump_sequence(session)
            if exchange.status == "published":
                notify.session_changed(session, was=None)
    if exchange.capacity is not None:
        result.over_capacity = max(seats_taken(exchange.id) - exchange.capacity, 0)
    if exchange.status == "published" and not is_past(exchange):
        result.promoted = len(stage_promote_waitlist(exchange))
    db.session.commit()
    return result


def _publish(exchange: Exchange) -> None:
    if not any(s.status == "scheduled" for s in exchange.sessions):
        raise Invalid(_l("Add at least one session before publishing."))
    if exchange.status == "cancelled":
        raise Conflict(_l("A cancelled exchange cannot be published again. Create a new one."))
    if is_past(exchange):
        raise Invalid(_l("Every session of this exchange has already ended; it cannot be published now."))
    exchange.status = "published"
    for session in exchange.sessions:
        stage_bump_sequence(session)
    db.session.flush()
    notify.exchange_published(exchange)  # speakers who accepted while it was a draft: TENTATIVE becomes CONFIRMED


def stage_publish_exchange(exchange: Exchange) -> None:
    """Publish and queue the invitations that waited for it (no commit; for `publish_exchange` and program import)."""
    _publish(exchange)
    db.session.flush()
    stage_send_waiting_invitations(exchange)


def publish_exchange(exchange: Exchange, *, actor: User) -> Exchange:
    """Publish a draft; invitations waiting for publication are emailed now."""
    permissions.require(actor, "exchange.manage", exchange)
    if exchange.status != "published":
        stage_publish_exchange(exchange)
        db.session.commit()
    return exchange


def stage_cancel_exchange(exchange: Exchange, reason: str = "") -> None:
    """Cancel and queue the cancellations people get (no commit; for `cancel_exchange` and program import)."""
    if is_past(exchange):
        raise Invalid(_l("This exchange has already taken place; there is nothing left to cancel."))
    reason = clean_text(reason, field_name="reason", label=_l("The reason"), max_len=1000, drop_controls=True)
    remaining = notify.upcoming_sessions(exchange)
    was_published = exchange.status == "published"
    exchange.status = "cancelled"
    for session in exchange.sessions:
        stage_bump_sequence(session)
    if was_published or any(sp.status == "accepted" for s in remaining for sp in s.speakers):
        notify.exchange_cancelled(exchange, remaining, reason)


def cancel_exchange(exchange: Exchange, *, actor: User, reason: str = "") -> Exchange:
    """Cancel an exchange: every remaining session leaves everyone's calendar (METHOD:CANCEL)."""
    permissions.require(actor, "exchange.manage", exchange)
    if exchange.status != "cancelled":
        stage_cancel_exchange(exchange, reason)
        db.session.commit()
    return exchange
