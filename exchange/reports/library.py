"""The knowledge library: organizers' outcome notes for exchanges, published to everyone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..common.errors import Invalid, NotFound
from ..common.permissions import can, require
from ..common.time import utcnow
from ..exchanges.models import Exchange
from ..experts.models import City, ExpertProfile, FocusArea, Topic
from ..extensions import db
from .models import MEDIA_KINDS, NOTE_STATUSES, OutcomeMedia, OutcomeNote

TEXT_MAX = 20000
MAX_MEDIA = 20


@dataclass
class NoteInput:
    """What the note form sends; `media` is one link a line: `kind URL optional title`."""

    exchange_id: int
    title: str
    challenge: str = ""
    practice: str = ""
    lessons: str = ""
    next_steps: str = ""
    status: str = "draft"
    city_ids: tuple[int, ...] = ()
    expert_ids: tuple[int, ...] = ()
    focus_area_ids: tuple[int, ...] = ()
    topic_ids: tuple[int, ...] = ()
    media: str = ""


def parse_media(text: str) -> list[tuple[str, str, str]]:
    """Return (kind, url, label) for each non-empty line, or raise Invalid naming the first bad line."""
    links = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = line.strip().split(None, 2)
        if not parts:
            continue
        if len(parts) < 2 or parts[0].lower() not in MEDIA_KINDS:
            raise Invalid(_l("Line %(n)s: start with a kind (%(kinds)s), then the address.", n=number,
                             kinds=", ".join(MEDIA_KINDS)), field="media_links")
        url = parts[1]
        split = urlsplit(url)
        if split.scheme not in ("http", "https") or not split.netloc or len(url) > 500:
            raise Invalid(_l("Line %(n)s: the address must start with http:// or https://.", n=number), field="media_links")
        links.append((parts[0].lower(), url, (parts[2] if len(parts) > 2 else "")[:200]))
    if len(links) > MAX_MEDIA:
        raise Invalid(_l("At most %(n)s media links.", n=MAX_MEDIA), field="media_links")
    return links


def media_text(note: OutcomeNote) -> str:
    """Return the note's media links in the form's one-a-line format."""
    return "\n".join(f"{m.kind} {m.url} {m.label}".rstrip() for m in note.media)


def _pick(model, ids: tuple[int, ...]) -> list:
    return list(db.session.scalars(select(model).where(model.id.in_(ids)))) if ids else []


def _apply(note: OutcomeNote, data: NoteInput) -> None:
    title = (data.title or "").strip()
    if not title or len(title) > 200:
        raise Invalid(_l("Give the note a title (up to 200 characters)."), field="title")
    if data.status not in NOTE_STATUSES:
        raise Invalid(_l("Choose draft or published."), field="status")
    exchange = db.session.get(Exchange, data.exchange_id)
    if exchange is None:
        raise Invalid(_l("Choose an exchange."), field="exchange_id")
    texts = {"challenge": data.challenge, "practice": data.practice, "lessons": data.lessons,
             "next_steps": data.next_steps}
    for name, value in texts.items():
        if len(value or "") > TEXT_MAX:
            raise Invalid(_l("Please keep this under %(n)s characters.", n=TEXT_MAX), field=name)
    links = parse_media(data.media)
    note.exchange, note.title, note.status = exchange, title, data.status
    for name, value in texts.items():
        setattr(note, name, (value or "").strip())
    note.cities, note.focus_areas, note.topics = _pick(City, data.city_ids), _pick(FocusArea, data.focus_area_ids), \
        _pick(Topic, data.topic_ids)
    note.experts = [e for e in _pick(ExpertProfile, data.expert_ids) if e.status == "approved"]
    note.media = [OutcomeMedia(position=i, kind=k, url=u, label=label) for i, (k, u, label) in enumerate(links)]
    if data.status == "published" and note.published_at is None:
        note.published_at = utcnow()


def create_note(data: NoteInput, *, actor: Any) -> OutcomeNote:
    """Write a new outcome note (organizers)."""
    require(actor, "library.manage", None, _l("Only organizers can write outcome notes."))
    note = OutcomeNote(created_by_id=actor.id)
    _apply(note, data)
    db.session.add(note)
    db.session.commit()
    return note


def update_note(note: OutcomeNote, data: NoteInput, *, actor: Any) -> OutcomeNote:
    """Change an outcome note (organizers); publishing makes it public."""
    require(actor, "library.manage", note, _l("Only organizers can edit outcome notes."))
    _apply(note, data)
    db.session.commit()
    return note


def get_note(note_id: int, *, actor: Any) -> OutcomeNote:
    """Return a note the actor may read (published ones: everyone; drafts: organizers), else NotFound."""
    note = db.session.get(OutcomeNote, note_id)
    if note is None or not can(actor, "library.view_note", note):
        raise NotFound(_l("There is no such note."))
    return note


@dataclass
class Library:
    notes: list[OutcomeNote]
    drafts: list[OutcomeNote]
    focus_areas: list[FocusArea]
    cities: list[City]
    topics: list[Topic]


def library(*, actor: Any, focus_area: str = "", city: str = "", topic: str = "") -> Library:
    """Return the published notes matching the filters (slugs; empty = any), newest first, and filter choices."""
    query = select(OutcomeNote).where(OutcomeNote.status == "published").options(
        selectinload(OutcomeNote.cities), selectinload(OutcomeNote.focus_areas), selectinload(OutcomeNote.topics))
    if focus_area:
        query = query.where(OutcomeNote.focus_areas.any(FocusArea.slug == focus_area))
    if city:
        query = query.where(OutcomeNote.cities.any(City.slug == city))
    if topic:
        query = query.where(OutcomeNote.topics.any(Topic.slug == topic))
    notes = list(db.session.scalars(query.order_by(OutcomeNote.published_at.desc(), OutcomeNote.id.desc())))
    drafts = []
    if can(actor, "library.manage"):
        drafts = list(db.session.scalars(select(OutcomeNote).where(OutcomeNote.status == "draft")
                                         .order_by(OutcomeNote.updated_at.desc())))
    return Library(notes=notes, drafts=drafts,
                   focus_areas=list(db.session.scalars(select(FocusArea).order_by(FocusArea.position))),
                   cities=list(db.session.scalars(select(City).order_by(City.name))),
                   topics=list(db.session.scalars(select(Topic).order_by(Topic.name))))


def note_choices() -> dict[str, list[tuple[int, str]]]:
    """Return the choices of the note form's select fields."""
    return {
        "exchange_id": [(e.id, e.title) for e in db.session.scalars(select(Exchange).order_by(Exchange.title))],
        "focus_area_ids": [(f.id, f.name) for f in db.session.scalars(select(FocusArea).order_by(FocusArea.position))],
        "topic_ids": [(t.id, t.name) for t in db.session.scalars(select(Topic).order_by(Topic.name))],
        "city_ids": [(c.id, c.name) for c in db.session.scalars(select(City).order_by(City.name))],
        "expert_ids": [(e.id, e.user.name) for e in db.session.scalars(
            select(ExpertProfile).where(ExpertProfile.status == "approved").options(selectinload(ExpertProfile.user)))],
    }


def require_manage(*, actor: Any, note: OutcomeNote | None) -> None:
    """Raise NotFound unless the actor may write notes (a page others may not see answers 404)."""
    if not can(actor, "library.manage", note):
        raise NotFound(_l("There is no such page."))


def note_form_data(note: OutcomeNote | None, exchange_id: int | None) -> dict:
    """Return the form's starting values for the many-to-many fields and media."""
    if note is None:
        return {"exchange_id": exchange_id} if exchange_id else {}
    return {"city_ids": [c.id for c in note.cities], "expert_ids": [e.id for e in note.experts],
            "focus_area_ids": [f.id for f in note.focus_areas], "topic_ids": [t.id for t in note.topics],
            "media_links": media_text(note), "exchange_id": note.exchange_id}
