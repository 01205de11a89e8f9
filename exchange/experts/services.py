"""Peer experts, officials, cities and peer requests: every write and every non-trivial read.

The acting user is always passed in; each public write commits once, with its emails in the same
transaction. Input is checked completely before anything changes, so a refused form changes nothing.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User, UserRole
from ..common import permissions
from ..common.errors import Conflict, Invalid, NotFound
from ..common.i18n import current_locale, sort_key, translated
from ..common.text import clean_text
from ..common.time import utcnow
from ..common.urls import absolute_url
from ..exchanges.models import Exchange, ExchangeSession, SessionSpeaker, exchange_cities
from ..extensions import db
from ..mail.services import Recipient, queue_email
from . import matching
from .models import (
    LANGUAGE_LEVELS,
    STAKEHOLDER_GROUPS,
    AvailabilityWindow,
    City,
    ExpertLanguage,
    ExpertProfile,
    FocusArea,
    OfficialProfile,
    PeerRequest,
    ReviewDecision,
    Topic,
    expert_focus_areas,
    expert_topics,
)
from .vocab import EXPERT_STATUS_LABELS, STATE_NAMES, check_languages, check_zone

MAX_PHOTO_BYTES = 3 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # refuse decompression bombs before decoding them
PHOTO_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
PHOTO_SIZE = (512, 512)
MAX_LINKS = 5
LOAD_WINDOW = timedelta(days=90)  # an accepted peer request counts as current work this long
PER_PAGE = 20
SORTS = ("name", "newest", "state")


# -- shared checks --------------------------------------------------------------------------------

def _text(value: str | None, *, field: str, label, max_len: int, required: bool = True,
          multiline: bool = False) -> str:
    """Clean a profile field: one line unless `multiline`; its errors name the field by `label`."""
    return clean_text(value, field=field, max_len=max_len, required=required, one_line=not multiline,
                      empty=_l("Enter %(what)s.", what=label),
                      too_long=_l("Use at most %(n)d characters for %(what)s.", what=label, n=max_len))


def _topics(slugs: list[str], *, required: bool) -> list[Topic]:
    wanted = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    found = {t.slug: t for t in db.session.scalars(select(Topic).where(Topic.slug.in_(wanted)))} if wanted else {}
    for slug in wanted:
        if slug not in found:
            raise Invalid(_l("Unknown topic “%(slug)s”. Choose topics from the list.", slug=slug), field="topics")
    if required and not wanted:
        raise Invalid(_l("Choose at least one topic."), field="topics")
    return [found[s] for s in wanted]


def _focus_areas(slugs: list[str]) -> list[FocusArea]:
    wanted = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    found = {a.slug: a for a in db.session.scalars(select(FocusArea).where(FocusArea.slug.in_(wanted)))} if wanted else {}
    for slug in wanted:
        if slug not in found:
            raise Invalid(_l("Unknown focus area “%(slug)s”. Choose from the list.", slug=slug), field="focus_areas")
    return [found[s] for s in wanted]


def focus_area_tree() -> list[FocusArea]:
    """Return the focus areas in order, with their topics loaded."""
    return list(db.session.scalars(select(FocusArea).options(selectinload(FocusArea.topics)).order_by(FocusArea.position)))


# -- expert applications --------------------------------------------------------------------------

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


def _clean_application(data: ExpertApplication) -> dict:
    """Check every field of an application; return the values to store (nothing is changed here)."""
    state = (data.state or "").strip().upper()
    if state not in STATE_NAMES:
        raise Invalid(_l("Choose the U.S. state or territory of your city government."), field="state")
    topics = _topics(data.topics, required=True)
    areas = _focus_areas(data.focus_areas)
    for topic in topics:  # a topic's focus area is implied by choosing the topic
        if topic.focus_area not in areas:
            areas.append(topic.focus_area)
    codes = check_languages([code for code, _level in data.languages])
    levels = {}
    for code, level in data.languages:
        code = (code or "").strip().lower()
        if code and level not in LANGUAGE_LEVELS:
            raise Invalid(_l("Choose a level for each language."), field="languages")
        if code:
            levels.setdefault(code, level)
    return {
        "job_title": _text(data.job_title, field="job_title", label=_l("your job title"), max_len=160),
        "city_government": _text(data.city_government, field="city_government", label=_l("your city government"),
                                 max_len=160),
        "state": state,
        "department": _text(data.department, field="department", label=_l("your department"), max_len=160),
        "bio": _text(data.bio, field="bio", label=_l("a short bio"), max_len=2000, multiline=True),
        "links": _links(data.links),
        "timezone": check_zone(data.timezone),
        "topics": topics,
        "focus_areas": areas,
        "languages": [(code, levels[code]) for code in codes],
        "availability": _windows(data.availability),
        "photo": process_photo(data.photo) if data.photo else None,
    }


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


def _decline_open_requests(profile: ExpertProfile, note: str) -> None:
    """Close requests still waiting for this expert (who can no longer answer them) and tell the requesters."""
    waiting = db.session.scalars(select(PeerRequest).where(PeerRequest.expert_id == profile.id,
                                                           PeerRequest.status == "sent"))
    for req in waiting:
        req.status, req.responded_at, req.response_note = "declined", utcnow(), note
        _email_requesters(req, "peer_request_declined", _l("Your peer request was declined"))


def withdraw_expert_profile(profile: ExpertProfile, *, actor: User) -> ExpertProfile:
    """Withdraw from the program: the profile leaves the directory at once; waiting requests are declined."""
    permissions.require(actor, "expert.edit", profile)
    if profile.status == "withdrawn":
        raise Conflict(_l("You have already withdrawn."))
    profile.status = "withdrawn"
    if profile.user.role == UserRole.EXPERT:
        profile.user.role = UserRole.OFFICIAL
    _decline_open_requests(profile, str(_l("The expert has withdrawn from the program.")))
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
    reason = _text(reason, field="reason", label=_l("the reason"), max_len=2000, required=decision != "approved",
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
        _decline_open_requests(profile, "")
    record = ReviewDecision(expert_id=profile.id, reviewer=actor, decision=decision, reason=reason)
    db.session.add(record)
    queue_email(Recipient.of(user), template, subject=subject,
                context={"profile": profile, "reason": reason, "link": absolute_url("/experts/me")})
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


def get_expert(expert_id: int, *, viewer) -> ExpertProfile:
    """Return an expert profile the viewer may see; pending, rejected and withdrawn ones answer NotFound to others."""
    profile = db.session.scalar(
        select(ExpertProfile).where(ExpertProfile.id == expert_id)
        .options(joinedload(ExpertProfile.user), selectinload(ExpertProfile.topics),
                 selectinload(ExpertProfile.focus_areas), selectinload(ExpertProfile.languages),
                 selectinload(ExpertProfile.availability))
    )
    if profile is None or not permissions.can(viewer, "expert.view", profile):
        raise NotFound(_l("No such peer expert."))
    return profile


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


def expert_photo(expert_id: int, *, viewer) -> bytes:
    """Return the stored (re-encoded) photo of an expert the viewer may see."""
    profile = db.session.get(ExpertProfile, expert_id)
    if profile is None or profile.photo is None or not permissions.can(viewer, "expert.view", profile):
        raise NotFound(_l("No such photo."))
    return profile.photo


def windows_of(profile: ExpertProfile) -> list[matching.Window]:
    return [matching.Window(w.weekday, w.start_minute, w.end_minute) for w in profile.availability]


def availability_for_viewer(profile: ExpertProfile, zone: str, *, at: datetime | None = None) -> list[matching.Window]:
    """Return the expert's windows of this week as seen in `zone`."""
    return matching.windows_in_zone(windows_of(profile), profile.timezone, zone, at=at or utcnow())


# -- directory ------------------------------------------------------------------------------------

@dataclass
class DirectoryQuery:
    words: str = ""
    focus_area: str = ""
    topic: str = ""
    language: str = ""
    state: str = ""
    available: bool = False
    sort: str = "name"
    page: int = 1


@dataclass
class DirectoryPage:
    experts: list[ExpertProfile]
    total: int
    page: int
    pages: int
    zone: str
    query: DirectoryQuery = field(default_factory=DirectoryQuery)


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _directory_filters(q: DirectoryQuery) -> list:
    conditions = [ExpertProfile.status == "approved", User.disabled.is_(False)]
    words = q.words.split()[:8]
    # Topic names are stored in English (searched below in SQL); other readers search them in their language too.
    topic_names = ({t.id: sort_key(translated(t.name)) for t in db.session.scalars(select(Topic))}
                   if words and current_locale() != "en" else {})
    for word in words:
        pattern = _like(word)
        named = [tid for tid, name in topic_names.items() if sort_key(word) in name]
        topic_hit = exists().where(expert_topics.c.expert_id == ExpertProfile.id, expert_topics.c.topic_id == Topic.id,
                                   or_(Topic.name.ilike(pattern, escape="\\"), Topic.id.in_(named)))
        conditions.append(or_(*(column.ilike(pattern, escape="\\") for column in (
            User.name, ExpertProfile.job_title, ExpertProfile.bio, ExpertProfile.city_government,
            ExpertProfile.department)), topic_hit))
    if q.focus_area:
        area = _focus_areas([q.focus_area])[0]
        conditions.append(exists().where(expert_focus_areas.c.expert_id == ExpertProfile.id,
                                         expert_focus_areas.c.focus_area_id == area.id))
    if q.topic:
        topic = _topics([q.topic], required=False)[0]
        conditions.append(exists().where(expert_topics.c.expert_id == ExpertProfile.id,
                                         expert_topics.c.topic_id == topic.id))
    if q.language:
        code = check_languages([q.language], field="language")[0]
        conditions.append(exists().where(ExpertLanguage.expert_id == ExpertProfile.id, ExpertLanguage.code == code))
    if q.state:
        if q.state.upper() not in STATE_NAMES:
            raise Invalid(_l("Unknown U.S. state “%(state)s”.", state=q.state), field="state")
        conditions.append(ExpertProfile.state == q.state.upper())
    return conditions


def _available_ids(ids: list[int], zones: dict[int, str], viewer_zone: str, at: datetime) -> set[int]:
    windows: dict[int, list[matching.Window]] = {}
    rows = db.session.execute(select(AvailabilityWindow.expert_id, AvailabilityWindow.weekday,
                                     AvailabilityWindow.start_minute, AvailabilityWindow.end_minute)
                              .where(AvailabilityWindow.expert_id.in_(ids))) if ids else []
    for expert_id, weekday, start, end in rows:
        windows.setdefault(expert_id, []).append(matching.Window(weekday, start, end))
    hours = matching.Hours(zone=viewer_zone)
    return {i for i, ws in windows.items() if matching.overlap_minutes(ws, zones[i], hours, at=at) > 0}


def search_experts(query: DirectoryQuery, *, viewer_zone: str, at: datetime | None = None,
                   per_page: int = PER_PAGE) -> DirectoryPage:
    """Search approved experts by words and filters, sorted and paginated, in a fixed number of queries.

    "Available" keeps experts whose weekly windows overlap weekdays 08:00-18:00 in the viewer's zone.
    """
    viewer_zone = check_zone(viewer_zone)
    if query.sort not in SORTS:
        raise Invalid(_l("Unknown sort order."), field="sort")
    order = {"name": (User.name, ExpertProfile.id),
             "newest": (ExpertProfile.decided_at.desc(), ExpertProfile.id.desc()),
             "state": (ExpertProfile.state, User.name, ExpertProfile.id)}[query.sort]
    rows = db.session.execute(select(ExpertProfile.id, ExpertProfile.timezone).join(User, ExpertProfile.user)
                              .where(*_directory_filters(query)).order_by(*order)).all()
    ids = [row.id for row in rows]
    if query.available:
        keep = _available_ids(ids, {row.id: row.timezone for row in rows}, viewer_zone, at or utcnow())
        ids = [i for i in ids if i in keep]
    pages = max(1, -(-len(ids) // per_page))
    page = min(max(query.page, 1), pages)
    shown = ids[(page - 1) * per_page: page * per_page]
    experts = _load_experts(shown)
    return DirectoryPage(experts=[experts[i] for i in shown], total=len(ids), page=page, pages=pages,
                         zone=viewer_zone, query=query)


def _load_experts(ids: list[int]) -> dict[int, ExpertProfile]:
    if not ids:
        return {}
    found = db.session.scalars(
        select(ExpertProfile).where(ExpertProfile.id.in_(ids))
        .options(joinedload(ExpertProfile.user), selectinload(ExpertProfile.topics),
                 selectinload(ExpertProfile.focus_areas), selectinload(ExpertProfile.languages),
                 selectinload(ExpertProfile.availability))
    ).unique()
    return {p.id: p for p in found}


# -- officials ------------------------------------------------------------------------------------

def get_official_profile(user: User) -> OfficialProfile | None:
    """Return this person's official profile, or None."""
    return db.session.scalar(select(OfficialProfile).where(OfficialProfile.user_id == user.id))


def save_official_profile(user: User, *, actor: User, city_id: int | None, organization: str, role_title: str,
                          stakeholder_group: str, languages: list[str]) -> OfficialProfile:
    """Create or update an official's profile: city, organization, role, stakeholder group, languages."""
    permissions.require(actor, "official_profile.edit", user)
    city = db.session.get(City, city_id) if city_id else None
    if city is None:
        raise Invalid(_l("Choose your city from the list."), field="city")
    if stakeholder_group not in STAKEHOLDER_GROUPS:
        raise Invalid(_l("Choose one of the five stakeholder groups."), field="stakeholder_group")
    values = {
        "organization": _text(organization, field="organization", label=_l("your organization"), max_len=160),
        "role_title": _text(role_title, field="role_title", label=_l("your role"), max_len=160),
        "languages": ",".join(check_languages(languages)),
    }
    profile = get_official_profile(user)
    if profile is None:
        profile = OfficialProfile(user=user, stakeholder_group=stakeholder_group)
        db.session.add(profile)
    profile.city, profile.stakeholder_group = city, stakeholder_group
    for name, value in values.items():
        setattr(profile, name, value)
    db.session.commit()
    return profile


def official_choices() -> list[tuple[int, str]]:
    """Return (user id, label) of every active official, for organizers acting on their behalf."""
    rows = db.session.execute(
        select(User.id, User.name, City.name).outerjoin(OfficialProfile, OfficialProfile.user_id == User.id)
        .outerjoin(City, City.id == OfficialProfile.city_id)
        .where(User.role == "official", User.disabled.is_(False)).order_by(User.name)
    ).all()
    return [(uid, f"{name} ({translated(city)})" if city else name) for uid, name, city in rows]


# -- cities ---------------------------------------------------------------------------------------

def list_cities() -> list[City]:
    """Return every city, by name."""
    return list(db.session.scalars(select(City).order_by(City.name)))


def get_city(slug: str) -> City:
    """Return the city with this slug, or raise NotFound."""
    city = db.session.scalar(select(City).where(City.slug == slug))
    if city is None:
        raise NotFound(_l("No such city."))
    return city


def _slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:70] or "city"


def _clean_city(*, name: str, country: str, region: str, population: int | None, timezone: str) -> dict:
    if population is not None and not (0 <= population <= 100_000_000):
        raise Invalid(_l("Give the population as a number of people, up to 100 million."), field="population")
    return {
        "name": _text(name, field="name", label=_l("the city's name"), max_len=120),
        "country": _text(country, field="country", label=_l("the country"), max_len=80),
        "region": _text(region, field="region", label=_l("the region"), max_len=80),
        "population": population,
        "timezone": check_zone(timezone),
    }


def create_city(*, actor: User, name: str, country: str, region: str, population: int | None,
                timezone: str) -> City:
    """Add a city to the list (organizers)."""
    permissions.require(actor, "city.manage")
    values = _clean_city(name=name, country=country, region=region, population=population, timezone=timezone)
    if db.session.scalar(select(City.id).where(func.lower(City.name) == values["name"].lower(),
                                               func.lower(City.country) == values["country"].lower())):
        raise Conflict(_l("%(city)s is already on the list.", city=values["name"]), field="name")
    base = slug = _slugify(values["name"])
    if base == "new":  # /cities/new is the add-a-city page
        base = slug = "new-city"
    taken = set(db.session.scalars(select(City.slug).where(City.slug.like(base + "%"))))
    n = 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    city = City(slug=slug, **values)
    db.session.add(city)
    db.session.commit()
    return city


def update_city(city: City, *, actor: User, name: str, country: str, region: str, population: int | None,
                timezone: str) -> City:
    """Correct a city's details (organizers); its address (slug) stays the same."""
    permissions.require(actor, "city.manage", city)
    values = _clean_city(name=name, country=country, region=region, population=population, timezone=timezone)
    for key, value in values.items():
        setattr(city, key, value)
    db.session.commit()
    return city


def city_page(city: City, *, viewer) -> dict:
    """Return a city's exchanges (published public ones unless the viewer organizes) and, for organizers, officials."""
    query = (select(Exchange).join(exchange_cities, exchange_cities.c.exchange_id == Exchange.id)
             .where(exchange_cities.c.city_id == city.id).options(selectinload(Exchange.sessions)))
    if not permissions.is_organizer(viewer):
        query = query.where(Exchange.status == "published", Exchange.visibility == "public")
    exchanges = sorted(db.session.scalars(query), key=lambda e: (e.sessions[0].starts_at if e.sessions else e.created_at))
    officials = None
    if permissions.can(viewer, "city.view_officials", city):
        officials = list(db.session.scalars(
            select(OfficialProfile).join(User, OfficialProfile.user).options(joinedload(OfficialProfile.user))
            .where(OfficialProfile.city_id == city.id).order_by(User.name)))
    return {"exchanges": exchanges, "officials": officials}


# -- peer requests and matching -------------------------------------------------------------------

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


def _clean_challenge(c: Challenge) -> dict:
    area = _focus_areas([c.focus_area])[0] if c.focus_area else None
    if area is None:
        raise Invalid(_l("Choose the focus area of your challenge."), field="focus_area")
    if not (0 <= c.hours_start < c.hours_end <= 1440):
        raise Invalid(_l("Your working hours must start before they end."), field="hours_start")
    return {
        "title": _text(c.title, field="title", label=_l("a short title"), max_len=160),
        "description": _text(c.description, field="description", label=_l("the challenge"), max_len=5000,
                             multiline=True),
        "focus_area": area,
        "topics": _topics(c.topics, required=False),
        "languages": ",".join(check_languages(c.languages)),
        "timezone": check_zone(c.timezone),
        "hours_start": c.hours_start,
        "hours_end": c.hours_end,
        "preferred_times": _text(c.preferred_times, field="preferred_times", label=_l("preferred times"),
                                 max_len=1000, required=False, multiline=True),
    }


def create_peer_request(*, actor: User, challenge: Challenge, official_id: int | None = None,
                        expert_id: int | None = None) -> PeerRequest:
    """Describe a challenge (for yourself, or as an organizer for an official); send it at once when an expert is named."""
    permissions.require(actor, "peer_request.create")
    official = db.session.get(User, official_id) if official_id else actor
    if official is not None and official.id != actor.id:
        permissions.require(actor, "peer_request.create_for_others")
    if official is None or official.role != "official" or official.disabled:
        raise Invalid(_l("Choose the official this challenge is for."), field="official")
    values = _clean_challenge(challenge)
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
                         "link": absolute_url(f"/requests/{req.id}")})


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
                    context={"req": req, "expert": req.expert, "link": absolute_url(f"/requests/{req.id}")})


def respond_to_peer_request(req: PeerRequest, *, actor: User, accept: bool, note: str = "") -> PeerRequest:
    """The expert accepts or declines; the official (and the organizer who asked for them) is emailed."""
    permissions.require(actor, "peer_request.respond", req)
    if req.status != "sent":
        raise Conflict(_l("This request is no longer waiting for an answer."))
    req.response_note = _text(note, field="note", label=_l("a note"), max_len=2000, required=False, multiline=True)
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


def exchange_link(req: PeerRequest) -> str:
    """Return the link to the new-exchange form, filled with an accepted request's details."""
    lines = [req.description, ""]
    if req.preferred_times:
        lines.append(str(_l("Preferred times: %(times)s", times=req.preferred_times)))
    lines.append(str(_l("From peer request #%(id)d by %(name)s.", id=req.id, name=req.official.name)))
    params = {
        "kind": "peer_exchange",
        "title": req.title,
        "description": "\n".join(lines).strip(),
        "topics": ",".join(t.slug for t in req.topics),
        "speaker": req.expert.user_id if req.expert else "",
        "invitee": req.official_id,
        "peer_request": req.id,
    }
    return "/exchanges/new?" + urlencode(params, quote_via=quote, safe=",")
