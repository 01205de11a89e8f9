"""Reading experts: one profile, its photo and availability, and the searchable directory.

Only approved profiles of active accounts are listed; a profile the viewer may not see answers NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..common import permissions
from ..common.errors import Invalid, NotFound
from ..common.i18n import current_locale, sort_key, translated
from ..common.time import utcnow
from ..extensions import db
from . import matching
from .checks import find_focus_areas, find_topics
from .models import (
    AvailabilityWindow,
    ExpertLanguage,
    ExpertProfile,
    Topic,
    expert_focus_areas,
    expert_topics,
)
from .vocab import STATE_NAMES, check_languages, check_zone

PER_PAGE = 20
SORTS = ("name", "newest", "state")


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


# -- the directory ------------------------------------------------------------------------------

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
        area = find_focus_areas([q.focus_area])[0]
        conditions.append(exists().where(expert_focus_areas.c.expert_id == ExpertProfile.id,
                                         expert_focus_areas.c.focus_area_id == area.id))
    if q.topic:
        topic = find_topics([q.topic], required=False)[0]
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
