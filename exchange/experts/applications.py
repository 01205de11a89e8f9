"""Expert applications and their review: apply, edit, withdraw, and an organizer's decision.

The acting user is always passed in; each public write commits once, with its emails in the same transaction.
Input is checked completely before anything changes, so a refused form changes nothing.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User, UserRole
from ..common import permissions
from ..common.errors import Conflict, Invalid, Problems
from ..common.time import utcnow
from ..common.urls import public_url
from ..extensions import db
from ..mail.services import Recipient, queue_email
from .checks import clean_text, find_focus_areas, find_topics
from .directory import get_expert
from .models import LANGUAGE_LEVELS, AvailabilityWindow, ExpertLanguage, ExpertProfile, ReviewDecision
from .peer_requests import stage_decline_open_requests
from .vocab import EXPERT_STATUS_LABELS, STATE_NAMES, check_languages, check_zone

MAX_PHOTO_BYTES = 3 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # refuse decompression bombs before decoding them
PHOTO_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
PHOTO_SIZE = (512, 512)
MAX_LINKS = 5


@dataclass
class ExpertApplication:
    """What an expert application form says, as the services take it."""

    job_title: str
    city_government: str
    state: str
    department: str
    focus_areas: list[str]
    topics: list[str]
    languages: list[tuple[str, str]]  # (ISO 639-1 code, level)
    timezone: str
    availability: list[tuple[int, int, int]]  # (weekday, start minute, end minute) in `timezone`
    bio: str
    links: str = ""
    photo: bytes | None = None  # a fresh upload, not yet checked
    remove_photo: bool = False


def process_photo(raw: bytes) -> bytes:
    """Check an uploaded image and re-encode it as a small JPEG; anything else is refused."""
    if len(raw) > MAX_PHOTO_BYTES:
        raise Invalid(_l("The photo is too large: at most %(mb)d MB.", mb=MAX_PHOTO_BYTES // (1024 * 1024)), field="photo")
    refused = Invalid(_l("The photo must be a JPEG, PNG, GIF or WebP image."), field="photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format not in PHOTO_FORMATS:
                raise refused
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise Invalid(_l("The photo has too many pixels. Use a smaller image."), field="photo")
            image.load()
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "L"):  # flatten transparency onto white
                rgba = image.convert("RGBA")
                image = Image.new("RGB", rgba.size, (255, 255, 255))
                image.paste(rgba, mask=rgba.getchannel("A"))
            image = image.convert("RGB")
            image.thumbnail(PHOTO_SIZE)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            SyntaxError) as exc:
        raise refused from exc
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)  # fresh pixels only: no metadata, no payloads
    return out.getvalue()


def _links(text: str) -> str:
    links = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(links) > MAX_LINKS:
        raise Invalid(_l("Give at most %(n)d links.", n=MAX_LINKS), field="links")
    for link in links:
        if not re.fullmatch(r"https?://[^\s<>\"']{3,300}", link):
            raise Invalid(_l("“%(link)s” is not a web address starting with https:// or http://.", link=link[:80]),
                          field="links")
    return "\n".join(links)


def _windows(rows: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    cleaned = set()
    for weekday, start, end in rows:
        if weekday not in range(7) or not (0 <= start < end <= 1440):
            raise Invalid(_l("Each availability window needs a day and a start time before its end time."),
                          field="availability")
        cleaned.add((weekday, start, end))
    if not cleaned:
        raise Invalid(_l("Give at least one weekly window when you are available."), field="availability")
    return sorted(cleaned)


def _levels(languages: list[tuple[str, str]], codes: list[str]) -> list[tuple[str, str]]:
    levels = {}
    for code, level in languages:
        code = (code or "").strip().lower()
        if code and level not in LANGUAGE_LEVELS:
            raise Invalid(_l("Choose a level for each language."), field="languages")
        if code:
            levels.setdefault(code, level)
    return [(code, levels[code]) for code in codes]


def _state(value: str | None) -> str:
    state = (value or "").strip().upper()
    if state not in STATE_NAMES:
        raise Invalid(_l("Choose the U.S. state or territory of your city government."), field="state")
    return state


def _clean_application(data: ExpertApplication) -> dict:
    """Check every field of an application; return the values to store (nothing is changed here).

    Every field is checked, and all the problems are raised together (`Invalid.many`), in the form's order.
    """
    problems = Problems()
    values = {
        "job_title": problems.check(clean_text, data.job_title, field="job_title", label=_l("your job title"),
                                    max_len=160),
        "city_government": problems.check(clean_text, data.city_government, field="city_government",
                                          label=_l("your city government"), max_len=160),
        "state": problems.check(_state, data.state),
        "department": problems.check(clean_text, data.department, field="department", label=_l("your department"),
                                     max_len=160),
    }
    areas = problems.check(find_focus_areas, data.focus_areas, default=[])
    topics = problems.check(find_topics, data.topics, required=True, default=[])
    for topic in topics:  # a topic's focus area is implied by choosing the topic
        if topic.focus_area not in areas:
            areas.append(topic.focus_area)
    codes = problems.check(check_languages, [code for code, _level in data.languages], default=[])
    values.update(
        topics=topics, focus_areas=areas,
        languages=problems.check(_levels, data.languages, codes, default=[]),
        timezone=problems.check(check_zone, data.timezone),
        availability=problems.check(_windows, data.availability),
        bio=problems.check(clean_text, data.bio, field="bio", label=_l("a short bio"), max_len=2000, multiline=True),
        links=problems.check(_links, data.links),
        photo=problems.check(process_photo, data.photo) if data.photo else None,
    )
    problems.raise_any()
    return values


def _assign(profile: ExpertProfile, values: dict, *, remove_photo: bool) -> None:
    for name in ("job_title", "city_government", "state", "department", "bio", "links", "timezone", "topics",
                 "focus_areas"):
        setattr(profile, name, values[name])
    current = {lang.code: lang for lang in profile.languages}
    profile.languages = [current[code] if code in current else ExpertLanguage(code=code) for code, _ in values["languages"]]
    for lang, (_code, level) in zip(profile.languages, values["languages"], strict=True):
        lang.level = level
    profile.availability = [AvailabilityWindow(weekday=d, start_minute=s, end_minute=e) for d, s, e in values["availability"]]
    if values["photo"] is not None:
        profile.photo = values["photo"]
    elif remove_photo:
        profile.photo = None


def get_own_profile(user: User) -> ExpertProfile | None:
    """Return this person's expert profile, whatever its status, or None."""
    return db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))


def apply_as_expert(user: User, *, actor: User, data: ExpertApplication) -> ExpertProfile:
    """Submit an expert application (or apply again after a rejection or withdrawal); it waits for review.

    The account keeps its role until an organizer approves: only approval makes someone an expert.
    """
    permissions.require(actor, "expert.apply", user)
    profile = get_own_profile(user)
    if profile is not None and profile.status not in ("rejected", "withdrawn"):
        raise Conflict(_l("You have already applied. Edit your application instead."))
    values = _clean_application(data)
    if profile is None:
        profile = ExpertProfile(user=user)
        db.session.add(profile)
    _assign(profile, values, remove_photo=data.remove_photo)
    profile.status = "pending"
    profile.submitted_at = utcnow()
    profile.decided_at = profile.edited_at = None
    db.session.commit()
    return profile


def update_expert_profile(profile: ExpertProfile, *, actor: User, data: ExpertApplication) -> ExpertProfile:
    """Save the expert's edits.

    Edits of an approved profile go live at once (experts keep availability and topics current without
    disappearing from the directory for days) and are listed for organizers, who can still ask for
    changes or reject. Edits answering a request for changes send the application back for review.
    """
    permissions.require(actor, "expert.edit", profile)
    if profile.status in ("rejected", "withdrawn"):
        raise Conflict(_l("This application is closed. Apply again to be reviewed."))
    values = _clean_application(data)
    _assign(profile, values, remove_photo=data.remove_photo)
    if profile.status == "changes_requested":
        profile.status = "pending"
        profile.submitted_at = utcnow()
    elif profile.status == "approved":
        profile.edited_at = utcnow()
    db.session.commit()
    return profile


def withdraw_expert_profile(profile: ExpertProfile, *, actor: User) -> ExpertProfile:
    """Withdraw from the program: the profile leaves the directory at once; waiting requests are declined."""
    permissions.require(actor, "expert.edit", profile)
    if profile.status == "withdrawn":
        raise Conflict(_l("You have already withdrawn."))
    profile.status = "withdrawn"
    if profile.user.role == UserRole.EXPERT:
        profile.user.role = UserRole.OFFICIAL
    stage_decline_open_requests(profile, str(_l("The expert has withdrawn from the program.")))
    db.session.commit()
    return profile


DECISIONS = {
    # decision: (statuses it can follow, email template, subject)
    "approved": (("pending", "changes_requested", "rejected"), "expert_approved",
                 _l("Your peer expert application is approved")),
    "changes_requested": (("pending", "approved"), "expert_changes_requested",
                          _l("Your peer expert application: changes requested")),
    "rejected": (("pending", "changes_requested", "approved"), "expert_rejected",
                 _l("Your peer expert application was not accepted")),
}


def decide_application(profile: ExpertProfile, *, actor: User, decision: str, reason: str = "") -> ReviewDecision:
    """Approve, reject or ask for changes; the applicant is emailed and the decision recorded."""
    permissions.require(actor, "expert.review", profile)
    if decision not in DECISIONS:
        raise Invalid(_l("Choose approve, ask for changes or reject."))
    follows, template, subject = DECISIONS[decision]
    reason = clean_text(reason, field="reason", label=_l("the reason"), max_len=2000, required=decision != "approved",
                   multiline=True)
    if profile.status not in follows:
        raise Conflict(_l("This application is %(status)s; that decision does not apply to it.",
                          status=_status_word(profile.status)))
    was_approved = profile.status == "approved"
    profile.status, profile.decided_at, profile.edited_at = decision, utcnow(), None
    user = profile.user
    if decision == "approved" and user.role == UserRole.OFFICIAL:
        user.role = UserRole.EXPERT
    elif was_approved:
        if user.role == UserRole.EXPERT:
            user.role = UserRole.OFFICIAL
        stage_decline_open_requests(profile, "")
    record = ReviewDecision(expert_id=profile.id, reviewer=actor, decision=decision, reason=reason)
    db.session.add(record)
    queue_email(Recipient.of(user), template, subject=subject,
                context={"profile": profile, "reason": reason, "link": public_url("experts.my_application")})
    db.session.commit()
    return record


def _status_word(status: str) -> str:
    return str(EXPERT_STATUS_LABELS.get(status, status)).lower()


def review_queue(*, actor: User) -> dict[str, list[ExpertProfile]]:
    """Return applications to review (oldest first), those waiting for applicants, and approved profiles edited since."""
    permissions.require(actor, "expert.review")
    rows = db.session.scalars(
        select(ExpertProfile).options(joinedload(ExpertProfile.user))
        .where(or_(ExpertProfile.status.in_(("pending", "changes_requested")), ExpertProfile.edited_at.is_not(None)))
        .order_by(ExpertProfile.submitted_at, ExpertProfile.id)
    ).all()
    return {
        "pending": [p for p in rows if p.status == "pending"],
        "changes_requested": [p for p in rows if p.status == "changes_requested"],
        "edited": [p for p in rows if p.status == "approved" and p.edited_at is not None],
    }


def get_application(expert_id: int, *, actor: User) -> tuple[ExpertProfile, list[ReviewDecision]]:
    """Return an application and its decisions, newest first, for a reviewer."""
    permissions.require(actor, "expert.review")
    profile = get_expert(expert_id, viewer=actor)
    return profile, decisions_of(profile)


def decisions_of(profile: ExpertProfile) -> list[ReviewDecision]:
    """Return the review decisions about a profile, newest first."""
    return list(db.session.scalars(
        select(ReviewDecision).options(joinedload(ReviewDecision.reviewer))
        .where(ReviewDecision.expert_id == profile.id).order_by(ReviewDecision.created_at.desc(), ReviewDecision.id.desc())
    ))
