"""Load a program from a JSON file and write it back (the format is documented in docs/program-format.md).

Import is all-or-nothing: every bad row is reported with its line, its place in the file and the reason,
and nothing is written when any row is bad. Rows are matched by `external_id`, so importing the same file
again updates instead of duplicating, and importing an export changes nothing.
"""

from __future__ import annotations

import bisect
import json
import json.scanner
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..accounts.services import normalize_email
from ..common import permissions
from ..common.errors import DomainError, Invalid
from ..common.text import LONE_SURROGATE
from ..common.time import EARLIEST_YEAR, LATEST_YEAR, is_zone, to_zone
from ..experts.models import City, FocusArea, Topic
from ..extensions import db
from . import notify, questions, services
from .models import (
    EXCHANGE_KINDS,
    EXCHANGE_STATUSES,
    SESSION_STATUSES,
    VISIBILITIES,
    Exchange,
    ExchangeSession,
    QuestionKind,
    SpeakerRole,
    Track,
)
from .permissions import team_clause
from .team import stage_add_creator

FORMAT = "peer-exchange-program"
VERSION = 1
_FALLBACK_ID = re.compile(r"^peer-exchange-(\d+)$")
_FALLBACK_SESSION_ID = re.compile(r"^session-(\d+)$")


# -- reading JSON with line numbers -----------------------------------------------------------------

class _Obj(dict):
    """A JSON object that remembers the line it starts on."""

    line = 1


def loads_with_lines(text: str) -> Any:
    """Parse JSON like json.loads, but every object carries `.line` (where its `{` is), and text holding half of a
    UTF-16 pair ("\\ud800", which no database can store) is refused like any other JSON error (JSONDecodeError).
    Nesting deeper than Python's stack raises RecursionError."""
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]
    decoder = json.JSONDecoder()
    parse_object = decoder.parse_object

    def parse(s_and_end, *args, **kwargs):
        s, end = s_and_end
        value, new_end = parse_object(s_and_end, *args, **kwargs)
        obj = _Obj(value)
        obj.line = bisect.bisect_left(newlines, end - 1) + 1
        return obj, new_end

    def parse_string(s, end, strict=True):
        value, new_end = json.decoder.scanstring(s, end, strict)
        if LONE_SURROGATE.search(value):
            raise json.JSONDecodeError("unpaired surrogate escape (\\ud800-\\udfff), which is no character", s, end)
        return value, new_end

    decoder.parse_object = parse
    decoder.parse_string = parse_string
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # the Python scanner calls our parse_object
    return decoder.decode(text)


# -- report -----------------------------------------------------------------------------------------

@dataclass
class Problem:
    line: int
    where: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.where}: {self.reason}"


@dataclass
class ImportReport:
    exchanges_created: int = 0
    exchanges_updated: int = 0
    sessions_created: int = 0
    sessions_updated: int = 0
    errors: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# -- validation -------------------------------------------------------------------------------------

@dataclass
class _SessionRow:
    where: str
    line: int
    external_id: str
    data: services.SessionData
    status: str
    speakers: list[tuple[str, str]]  # (email, role)
    track: str | None = None


@dataclass
class _QuestionRow:
    where: str
    line: int
    external_id: str
    data: questions.QuestionData


@dataclass
class _ExchangeRow:
    where: str
    line: int
    external_id: str
    data: services.ExchangeData
    status: str
    tracks: list[str]
    sessions: list[_SessionRow]
    questions: list[_QuestionRow] = field(default_factory=list)


class _Checker:
    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.focus = {a.slug: a.id for a in db.session.scalars(select(FocusArea))}
        self.topics = {t.slug: t.id for t in db.session.scalars(select(Topic))}
        self.cities = {c.slug: c.id for c in db.session.scalars(select(City))}

    def fail(self, obj: Any, where: str, reason) -> None:
        self.errors.append(Problem(getattr(obj, "line", 1), where, str(reason)))

    def text(self, obj: dict, key: str, where: str, *, required: bool = False, max_len: int = 200) -> str:
        value = obj.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(obj, where, _l("“%(key)s” must be text", key=key))
            return ""
        if required and not value.strip():
            self.fail(obj, where, _l("“%(key)s” is required", key=key))
        if len(value) > max_len:
            self.fail(obj, where, _l("“%(key)s” is longer than %(n)d characters", key=key, n=max_len))
        return value

    def choice(self, obj: dict, key: str, where: str, choices: tuple, default: str) -> str:
        value = obj.get(key, default)
        if value not in choices:
            self.fail(obj, where, _l("“%(key)s” must be one of %(choices)s, not “%(value)s”", key=key,
                                     choices=", ".join(choices), value=value))
            return default
        return value

    def flag(self, obj: dict, key: str, where: str) -> bool:
        value = obj.get(key, False)
        if not isinstance(value, bool):
            self.fail(obj, where, _l("“%(key)s” must be true or false", key=key))
            return False
        return value

    def slugs(self, obj: dict, key: str, where: str, known: dict[str, int]) -> list[int]:
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(obj, where, _l("“%(key)s” must be a list of names", key=key))
            return []
        unknown = [v for v in value if v not in known]
        if unknown:
            self.fail(obj, where, _l("unknown %(key)s: %(names)s", key=key, names=", ".join(unknown)))
        return [known[v] for v in value if v in known]

    def moment(self, obj: dict, key: str, where: str, zone: str) -> tuple[datetime, int | None] | None:
        """Return (wall time in `zone`, fold) from "YYYY-MM-DDTHH:MM[:SS][±HH:MM]"."""
        raw = obj.get(key)
        if not isinstance(raw, str):
            self.fail(obj, where, _l("“%(key)s” must be a date and time like 2027-03-10T09:00", key=key))
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            self.fail(obj, where, _l("“%(key)s” is not a date and time like 2027-03-10T09:00: “%(value)s”", key=key,
                                     value=raw))
            return None
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:  # year 1 or 9999 with an offset overflows in a zone
            self.fail(obj, where, _l("“%(key)s” must be a date between %(first)d and %(last)d", key=key,
                                     first=EARLIEST_YEAR, last=LATEST_YEAR))
            return None
        fold = obj.get("fold")
        if value.tzinfo is None:
            if fold not in (None, 0, 1):
                self.fail(obj, where, _l("“fold” must be 0 (the first) or 1 (the second)"))
                fold = None
            return value, fold
        if not is_zone(zone):
            return None
        local = to_zone(value, zone)
        if local.utcoffset() != value.utcoffset():
            self.fail(obj, where, _l("“%(key)s” has the offset %(given)s, but %(zone)s is at %(real)s then",
                                     key=key, given=value.strftime("%z"), zone=zone, real=local.strftime("%z")))
            return None
        return local.replace(tzinfo=None), local.fold

    def external_id(self, obj: dict, where: str, seen: set[str]) -> str:
        value = self.text(obj, "external_id", where, required=True, max_len=120)
        if value and value in seen:
            self.fail(obj, where, _l("external_id “%(id)s” appears twice", id=value))
        seen.add(value)
        return value

    def session(self, obj: Any, where: str, zone: str, tracks: list[str], seen: set[str]) -> _SessionRow | None:
        if not isinstance(obj, dict):
            self.fail(obj, where, _l("each session must be an object"))
            return None
        external_id = self.external_id(obj, where, seen)
        title = self.text(obj, "title", where, required=True)
        description = self.text(obj, "description", where, max_len=5000)
        zone = obj.get("timezone", zone)
        if not isinstance(zone, str) or not is_zone(zone):
            self.fail(obj, where, _l("unknown time zone “%(zone)s”", zone=zone))
            zone = "UTC"
        start = self.moment(obj, "start", where, zone)
        end = self.moment(obj, "end", where, zone)
        track = obj.get("track")
        if track is not None and track not in tracks:
            self.fail(obj, where, _l("track “%(track)s” is not in the exchange's “tracks”", track=track))
        status = self.choice(obj, "status", where, SESSION_STATUSES, "scheduled")
        speakers = []
        raw_speakers = obj.get("speakers", [])
        if not isinstance(raw_speakers, list):
            self.fail(obj, where, _l("“speakers” must be a list"))
            raw_speakers = []
        for n, speaker in enumerate(raw_speakers):
            spot = f"{where}.speakers[{n}]"
            if not isinstance(speaker, dict) or not isinstance(speaker.get("email"), str):
                self.fail(speaker if isinstance(speaker, dict) else obj, spot,
                          _l("each speaker needs an “email” and a “role”"))
                continue
            email = normalize_email(speaker["email"])
            role = self.choice(speaker, "role", spot, tuple(SpeakerRole), SpeakerRole.PANELIST)
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                self.fail(speaker, spot, _l("no account has the email %(email)s", email=email))
            elif not services.may_speak(user):
                self.fail(speaker, spot, _l("%(email)s is not an approved expert or an organizer", email=email))
            else:
                speakers.append((email, role))
        if start is None or end is None:
            return None
        data = services.SessionData(title=title, description=description, starts_local=start[0], ends_local=end[0],
                                    timezone=zone, start_fold=start[1], end_fold=end[1],
                                    premoderate_questions=self.flag(obj, "premoderate_questions", where),
                                    video_url=self.text(obj, "video_url", where, max_len=500))
        return _SessionRow(where, getattr(obj, "line", 1), external_id, data, status, speakers, track)

    def texts(self, obj: dict, value: Any, key: str, where: str, languages: list[str]) -> dict[str, str]:
        """Return {language: text} from the file, reporting a language the exchange does not have."""
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.fail(obj, where, _l("“%(key)s” must map language codes to text, like {\"en\": \"…\"}", key=key))
            return {}
        others = [code for code in value if code not in languages]
        if others:
            self.fail(obj, where, _l("“%(key)s” is written in %(codes)s, which is not among the exchange's "
                                     "“languages”", key=key, codes=", ".join(others)))
        return dict(value)

    def question(self, obj: Any, where: str, languages: list[str], seen: set[str]) -> _QuestionRow | None:
        if not isinstance(obj, dict):
            self.fail(obj, where, _l("each registration question must be an object"))
            return None
        external_id = self.external_id(obj, where, seen)
        kind = self.choice(obj, "kind", where, tuple(QuestionKind), QuestionKind.SHORT_TEXT)
        label = self.texts(obj, obj.get("label", {}), "label", where, languages)
        raw_choices = obj.get("choices", [])
        if not isinstance(raw_choices, list):
            self.fail(obj, where, _l("“choices” must be a list"))
            raw_choices = []
        choices = [self.texts(obj, c, "choices", where, languages) for c in raw_choices]
        data = questions.QuestionData(kind=kind, label=label, required=self.flag(obj, "required", where),
                                      choices=choices)
        try:
            questions.check_question(languages, data)
        except Invalid as exc:
            for _field, message in exc.errors:
                self.fail(obj, where, message)
        return _QuestionRow(where, getattr(obj, "line", 1), external_id, data)

    def exchange(self, obj: Any, where: str, seen: set[str]) -> _ExchangeRow | None:
        if not isinstance(obj, dict):
            self.fail(obj, where, _l("each exchange must be an object"))
            return None
        external_id = self.external_id(obj, where, seen)
        zone = obj.get("timezone", "UTC")
        if not isinstance(zone, str) or not is_zone(zone):
            self.fail(obj, where, _l("unknown time zone “%(zone)s”", zone=zone))
            zone = "UTC"
        capacity = obj.get("capacity")
        if capacity is not None and (not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1):
            self.fail(obj, where, _l("“capacity” must be a whole number of at least 1, or null"))
            capacity = None
        languages = obj.get("languages", ["en"])
        if not isinstance(languages, list) or not languages or any(v not in services.LANGUAGES for v in languages):
            self.fail(obj, where, _l("“languages” must list language codes such as “en”, “es”, “pt”"))
            languages = ["en"]
        deadline = None
        if obj.get("registration_deadline") is not None:
            moment = self.moment(obj, "registration_deadline", where, zone)
            deadline = moment[0] if moment else None
        tracks = obj.get("tracks", [])
        if not isinstance(tracks, list) or not all(isinstance(t, str) and t.strip() for t in tracks):
            self.fail(obj, where, _l("“tracks” must be a list of track names"))
            tracks = []
        data = services.ExchangeData(
            kind=self.choice(obj, "kind", where, EXCHANGE_KINDS, "webinar"),
            title=self.text(obj, "title", where, required=True),
            description=self.text(obj, "description", where, max_len=20_000),
            visibility=self.choice(obj, "visibility", where, VISIBILITIES, "public"),
            capacity=capacity, registration_deadline=deadline,
            requires_approval=self.flag(obj, "requires_approval", where),
            video_url=self.text(obj, "video_url", where, max_len=500), timezone=zone, languages=languages,
            interpretation_notes=self.text(obj, "interpretation_notes", where, max_len=2000),
            focus_area_ids=self.slugs(obj, "focus_areas", where, self.focus),
            topic_ids=self.slugs(obj, "topics", where, self.topics),
            city_ids=self.slugs(obj, "cities", where, self.cities))
        status = self.choice(obj, "status", where, EXCHANGE_STATUSES, "draft")
        sessions_raw = obj.get("sessions", [])
        if not isinstance(sessions_raw, list):
            self.fail(obj, where, _l("“sessions” must be a list"))
            sessions_raw = []
        session_ids: set[str] = set()
        sessions = [self.session(s, f"{where}.sessions[{n}]", zone, tracks, session_ids)
                    for n, s in enumerate(sessions_raw)]
        raw_questions = obj.get("registration_questions", [])
        if not isinstance(raw_questions, list):
            self.fail(obj, where, _l("“registration_questions” must be a list"))
            raw_questions = []
        question_ids: set[str] = set()
        asked = [self.question(q, f"{where}.registration_questions[{n}]", languages, question_ids)
                 for n, q in enumerate(raw_questions)]
        return _ExchangeRow(where, getattr(obj, "line", 1), external_id, data, status, tracks,
                            [s for s in sessions if s is not None], [q for q in asked if q is not None])


# -- applying ---------------------------------------------------------------------------------------

def _find_exchange(external_id: str) -> Exchange | None:
    exchange = db.session.scalar(select(Exchange).where(Exchange.external_id == external_id))
    match = _FALLBACK_ID.match(external_id)
    if exchange is None and match:  # exported without an external id of its own: the export named it by id
        candidate = db.session.get(Exchange, int(match.group(1)))
        if candidate is not None and candidate.external_id is None:
            exchange = candidate
    return exchange


def _find_session(exchange: Exchange, external_id: str) -> ExchangeSession | None:
    for session in exchange.sessions:
        if session.external_id == external_id:
            return session
    match = _FALLBACK_SESSION_ID.match(external_id)
    if match:
        for session in exchange.sessions:
            if session.id == int(match.group(1)) and session.external_id is None:
                return session
    return None


def _apply_exchange(row: _ExchangeRow, *, actor: User | None, report: ImportReport) -> None:
    exchange = _find_exchange(row.external_id)
    if exchange is None:
        exchange = Exchange(created_by=actor, status="draft", external_id=row.external_id)
        db.session.add(exchange)
        stage_add_creator(exchange, actor)
        report.exchanges_created += 1
    else:
        if actor is not None and not permissions.can(actor, "exchange.manage", exchange):
            # Another team's exchange: its file row may not change it (and the message tells nothing of it).
            raise DomainError(_l("this external id belongs to an exchange you do not run; choose another one"))
        report.exchanges_updated += 1
        if exchange.external_id is None:
            exchange.external_id = row.external_id
    old_url = exchange.video_url
    services.stage_exchange_data(exchange, row.data)
    existing_tracks = {t.name: t for t in exchange.tracks}
    for name in row.tracks:
        if name not in existing_tracks:
            existing_tracks[name] = Track(exchange=exchange, name=name, position=len(existing_tracks))
            db.session.add(existing_tracks[name])
    _apply_questions(exchange, row.questions, report)
    db.session.flush()
    if exchange.video_url != old_url and exchange.status == "published":
        for session in notify.upcoming_sessions(exchange):
            services.stage_bump_sequence(session)
            notify.session_changed(session, was=None)
    for srow in row.sessions:
        try:
            _apply_session(exchange, srow, existing_tracks, actor=actor, report=report)
        except DomainError as exc:
            report.errors.append(Problem(srow.line, srow.where, str(exc.message)))
    if row.status != exchange.status:
        if row.status == "published":
            services.stage_publish_exchange(exchange)
        elif row.status == "cancelled":
            services.stage_cancel_exchange(exchange)
        else:
            raise DomainError(_l("an exchange that was published or cancelled cannot go back to draft"))


def _apply_questions(exchange: Exchange, rows: list[_QuestionRow], report: ImportReport) -> None:
    """Add or update the file's registration questions, in the file's order at the top of the form (a removed
    question the file names comes back onto the form, its answers with it)."""
    staged = []
    for qrow in rows:
        question = questions.find_question(exchange, qrow.external_id)
        try:
            question = questions.stage_question(exchange, qrow.data, question=question, external_id=qrow.external_id)
        except DomainError as exc:
            report.errors.append(Problem(qrow.line, qrow.where, str(exc.message)))
            continue
        if question.external_id is None:
            question.external_id = qrow.external_id
        question.archived_at = None
        staged.append(question)
    questions.stage_order(exchange, staged)


def _apply_session(exchange: Exchange, row: _SessionRow, tracks: dict[str, Track], *, actor: User | None,
                   report: ImportReport) -> None:
    track = tracks.get(row.track or "")
    row.data.track_id = track.id if track is not None else None
    session = _find_session(exchange, row.external_id)
    if session is None:
        session = services.stage_new_session(exchange, row.data, actor=actor)
        session.external_id = row.external_id
        report.sessions_created += 1
        db.session.flush()
    else:
        if session.external_id is None:
            session.external_id = row.external_id
        if session.status == "scheduled":
            services.stage_update_session(session, row.data, actor=actor)
        report.sessions_updated += 1
    for email, role in row.speakers:
        user = db.session.scalar(select(User).where(User.email == email))
        current = next((s for s in session.speakers if s.user_id == user.id), None)
        if current is None:
            services.stage_add_speaker(session, actor=actor, user_id=user.id, role=role)
        elif current.role != role:
            current.role = role
            if current.status == "accepted":
                notify.speakers_changed(session)  # the role is in every copy of the invite, hers too
    if row.status == "cancelled" and session.status != "cancelled":
        services.stage_cancel_session(session)
    db.session.flush()


def import_program(text: str, *, actor: User | None) -> ImportReport:
    """Create or update exchanges from a program file; all-or-nothing. `actor` None is the command line."""
    if actor is not None:
        permissions.require(actor, "program.import")
    report = ImportReport()
    try:
        document = loads_with_lines(text)
    except json.JSONDecodeError as exc:
        report.errors.append(Problem(exc.lineno, "file", str(_l("not valid JSON: %(msg)s (column %(col)d)",
                                                                msg=exc.msg, col=exc.colno))))
        return report
    except RecursionError:
        report.errors.append(Problem(1, "file", str(_l("lists and objects are nested too deeply to read; a program "
                                                       "file needs only a few levels"))))
        return report
    if not isinstance(document, dict) or not isinstance(document.get("exchanges"), list):
        report.errors.append(Problem(1, "file", str(_l("the file must be an object with a list “exchanges”"))))
        return report
    if document.get("format", FORMAT) != FORMAT or document.get("version", VERSION) != VERSION:
        report.errors.append(Problem(getattr(document, "line", 1), "file",
                                     str(_l("unknown format or version (expected %(format)s version %(version)d)",
                                            format=FORMAT, version=VERSION))))
        return report
    checker = _Checker()
    seen: set[str] = set()
    rows = [checker.exchange(obj, f"exchanges[{n}]", seen) for n, obj in enumerate(document["exchanges"])]
    report.errors.extend(checker.errors)
    if report.errors:
        return report
    for row in rows:
        if row is None:
            continue
        try:
            _apply_exchange(row, actor=actor, report=report)
        except DomainError as exc:
            report.errors.append(Problem(row.line, row.where, str(exc.message)))
    if report.errors:
        db.session.rollback()  # all or nothing: queued emails go with it
        report.exchanges_created = report.exchanges_updated = report.sessions_created = report.sessions_updated = 0
        return report
    db.session.commit()
    return report


# -- export -----------------------------------------------------------------------------------------

def _iso_local(value: datetime | None, zone: str) -> str | None:
    if value is None:
        return None
    return to_zone(value, zone).isoformat(timespec="minutes")


def export_program(*, actor: User | None, external_ids: list[str] | None = None) -> dict:
    """Return every exchange the actor runs (the command line, `actor` None: every one), or the named ones among
    them, in the import format; importing it back changes nothing."""
    if actor is not None:
        permissions.require(actor, "program.import")
    query = select(Exchange).order_by(Exchange.id)
    if actor is not None and not permissions.is_admin(actor):
        query = query.where(team_clause(actor, Exchange.id))
    exchanges = [e for e in db.session.scalars(query)
                 if not external_ids or (e.external_id or f"peer-exchange-{e.id}") in external_ids]
    return {"format": FORMAT, "version": VERSION, "exchanges": [_export_exchange(e) for e in exchanges]}


def _export_exchange(exchange: Exchange) -> dict:
    return {
        "external_id": exchange.external_id or f"peer-exchange-{exchange.id}",
        "kind": exchange.kind,
        "title": exchange.title,
        "description": exchange.description,
        "status": exchange.status,
        "visibility": exchange.visibility,
        "capacity": exchange.capacity,
        "registration_deadline": _iso_local(exchange.registration_deadline, exchange.timezone),
        "requires_approval": exchange.requires_approval,
        "video_url": exchange.video_url,
        "timezone": exchange.timezone,
        "languages": [code for code in exchange.languages.split(",") if code],
        "interpretation_notes": exchange.interpretation_notes,
        "focus_areas": sorted(a.slug for a in exchange.focus_areas),
        "topics": sorted(t.slug for t in exchange.topics),
        "cities": sorted(c.slug for c in exchange.cities),
        "tracks": [t.name for t in exchange.tracks],
        "registration_questions": [{
            "external_id": q.external_id or f"question-{q.id}",
            "kind": q.kind,
            "required": q.required,
            "label": q.label,
            "choices": q.choices or [],
        } for q in questions.questions_of(exchange)],
        "sessions": [{
            "external_id": s.external_id or f"session-{s.id}",
            "title": s.title,
            "description": s.description,
            "start": _iso_local(s.starts_at, s.timezone),
            "end": _iso_local(s.ends_at, s.timezone),
            "timezone": s.timezone,
            "track": s.track.name if s.track else None,
            "status": s.status,
            "premoderate_questions": s.premoderate_questions,
            "video_url": s.video_url or "",
            "speakers": [{"email": sp.user.email, "role": sp.role} for sp in
                         sorted(s.speakers, key=lambda sp: (sp.role, sp.user.email))],
        } for s in exchange.sessions],
    }


def dumps(document: dict) -> str:
    """Return the program as pretty JSON (UTF-8 text, stable key order)."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
