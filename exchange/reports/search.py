"""Word search in the knowledge library: one service, two backends chosen by the database's dialect.

What is searched, for everybody alike (visitors, members and organizers see the same results):
- published outcome notes (title; challenge, practice, lessons and next steps);
- questions answered in a live room (the question, its answer), and follow-up answers written after the room
  closed (the question, the written answer), of **public exchanges that are not drafts** only: the exchanges a
  visitor may open (`exchange.view`). Invite-only and private exchanges never appear, not even to the people
  invited: one rule for all keeps results cacheable and makes a leak impossible by construction.
Nobody's name is shown: an answer is shown with its question, never with who asked it (anonymous or not).

Backends:
- PostgreSQL: `to_tsvector(<config>, text) @@ websearch_to_tsquery(<config>, q)` computed at query time, the
  config from the exchange's first language (english, spanish, portuguese, french; `simple` otherwise), titles
  weighted A and bodies B, ranked by `ts_rank`, snippets by `ts_headline`.
- SQLite (the embedded default): the FTS5 table `library_fts` (made by a migration, SQLite only) holds the text
  of every note, question and follow-up, kept by a flush listener in the same transaction as the change
  (`register_search_index`); who may see what is decided at query time by joining the live rows, so a note
  unpublished or an exchange made private drops out at once. Ranked by bm25 (a title counts ten times a body),
  snippets by `snippet()`/`highlight()`. Accents are folded (`remove_diacritics 2`): "participacao" finds
  "participação" (PostgreSQL without the `unaccent` extension does not fold them).

The people's query is never handed to a parser that can fail: on PostgreSQL `websearch_to_tsquery` accepts
anything; for FTS5 it is rebuilt from its words (quoted phrases and `-word` kept, every other sign dropped).
Snippets come back with private markers, are HTML-escaped, and only then are the markers turned into <mark>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import (
    Float,
    Integer,
    and_,
    case,
    cast,
    column,
    event,
    func,
    inspect,
    literal,
    literal_column,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session

from ..exchanges.models import Exchange, ExchangeSession
from ..experts.models import City, FocusArea, Topic
from ..extensions import db
from ..live.models import Question, QuestionStatus
from .models import FollowUp, OutcomeNote

MAX_RESULTS = 50
MAX_QUERY = 200
FTS_TABLE = "library_fts"
# The text search configuration for an exchange's first language; any other language is searched word for word.
TEXT_CONFIGS = {"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french"}
_START, _STOP = "\x02", "\x03"  # markers a snippet comes back with; escaped text cannot contain them as tags
# PostgreSQL's headline drops what looks like an HTML tag; its "<" is handed over as this and given back as text.
_LT = "\x04"
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MARKED = re.compile(f"{_START}([^{_START}{_STOP}]*){_STOP}")
_TERM = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"\w+")
NOTE_FIELDS = ("challenge", "practice", "lessons", "next_steps")


@dataclass
class Hit:
    """One search result: what it is, where it leads, and its title and snippet with the matched words marked."""

    kind: str  # "note", "answer" (answered in the live room) or "followup" (answered in writing afterwards)
    ref: int
    title: Markup
    snippet: Markup
    exchange_id: int
    exchange_title: str
    rank: float


def search_library(q: str, filters: dict[str, str] | None = None, *, viewer: Any = None) -> list[Hit]:
    """Return what matches `q` among the library's public texts, best first (at most MAX_RESULTS).

    `filters` takes the library's slugs (`focus_area`, `city`, `topic`; empty = any): a note by its own, an
    answer by its exchange's. `viewer` is accepted for the record: results are the same for everyone (above).
    An empty query (no words) matches nothing.
    """
    del viewer  # the same public results for everyone, by design (module docstring)
    q = _CONTROLS.sub(" ", (q or "")[:MAX_QUERY])  # PostgreSQL refuses NUL; the others are our markers
    if not _WORD.search(q):
        return []
    docs = _documents(filters or {}).subquery("docs")
    if db.session.get_bind().dialect.name == "postgresql":
        rows = _postgresql(docs, q)
    else:
        match = fts5_query(q)
        if not match:
            return []
        rows = _sqlite(docs, match)
    return [Hit(kind=r.kind, ref=r.ref, title=marked(r.title_hl), snippet=marked(r.snippet),
                exchange_id=r.exchange_id, exchange_title=r.exchange_title, rank=float(r.rank)) for r in rows]


def marked(value: str | None) -> Markup:
    """Escape a snippet, then turn its matched-word markers (and only those, in pairs) into <mark>."""
    escaped = str(escape((value or "").replace(_LT, "<")))
    return Markup(_MARKED.sub(r"<mark>\1</mark>", escaped).replace(_START, "").replace(_STOP, ""))  # noqa: S704


def fts5_query(q: str) -> str:
    """Rebuild a person's query for FTS5 from its words: every term a quoted phrase (so no FTS5 syntax survives),
    all required; `"a phrase"` kept as one, `-word` excluded. Return "" when nothing is left to look for."""
    wanted, unwanted = [], []
    for m in _TERM.finditer(q):
        minus, words = (m.group(1), m.group(2)) if m.group(2) is not None else (m.group(3), m.group(4))
        words = _WORD.findall(words or "")
        if words:
            (unwanted if minus else wanted).append('"' + " ".join(words) + '"')
    if not wanted:
        return ""
    return " AND ".join(wanted) + "".join(f" NOT {term}" for term in unwanted)


def _exchange_filters(query, filters: dict[str, str], owner):
    """Apply the library's slug filters to `owner` (a note, or an exchange for answers)."""
    if filters.get("focus_area"):
        query = query.where(owner.focus_areas.any(FocusArea.slug == filters["focus_area"]))
    if filters.get("city"):
        query = query.where(owner.cities.any(City.slug == filters["city"]))
    if filters.get("topic"):
        query = query.where(owner.topics.any(Topic.slug == filters["topic"]))
    return query


def _public_exchange():
    """The exchanges every visitor may open (`exchanges.permissions.can_view_exchange` for nobody signed in)."""
    return and_(Exchange.visibility == "public", Exchange.status != "draft")


def _documents(filters: dict[str, str]):
    """The searchable texts a visitor may read, one row each: kind, ref, title, body, exchange, its languages."""
    note_body = NOTE_FIELDS[0]
    body = getattr(OutcomeNote, note_body)
    for name in NOTE_FIELDS[1:]:
        body = body + "\n" + getattr(OutcomeNote, name)
    exchange_cols = (Exchange.id.label("exchange_id"), Exchange.title.label("exchange_title"),
                     Exchange.languages.label("languages"))
    notes = _exchange_filters(
        select(literal("note").label("kind"), OutcomeNote.id.label("ref"), OutcomeNote.title.label("title"),
               body.label("body"), *exchange_cols)
        .join(Exchange, Exchange.id == OutcomeNote.exchange_id).where(OutcomeNote.status == "published"),
        filters, OutcomeNote)
    answers = _exchange_filters(
        select(literal("answer").label("kind"), Question.id.label("ref"), Question.body.label("title"),
               Question.answer.label("body"), *exchange_cols)
        .join(ExchangeSession, ExchangeSession.id == Question.session_id)
        .join(Exchange, Exchange.id == ExchangeSession.exchange_id)
        .where(Question.status == QuestionStatus.ANSWERED, Question.answer != "", _public_exchange()),
        filters, Exchange)
    followups = _exchange_filters(
        select(literal("followup").label("kind"), FollowUp.id.label("ref"), Question.body.label("title"),
               FollowUp.answer.label("body"), *exchange_cols)
        .join(Question, Question.id == FollowUp.question_id)
        .join(ExchangeSession, ExchangeSession.id == FollowUp.session_id)
        .join(Exchange, Exchange.id == ExchangeSession.exchange_id)
        .where(FollowUp.status == "answered", FollowUp.answer != "", _public_exchange()),
        filters, Exchange)
    return union_all(notes, answers, followups)


def _postgresql(docs, q: str):
    first = func.split_part(docs.c.languages, ",", 1)
    config = cast(case(*((first == code, name) for code, name in TEXT_CONFIGS.items()), else_="simple"), REGCONFIG)
    vector = func.setweight(func.to_tsvector(config, docs.c.title), literal_column("'A'")).op("||")(
        func.setweight(func.to_tsvector(config, docs.c.body), literal_column("'B'")))
    query = func.websearch_to_tsquery(config, q)
    rank = func.ts_rank(vector, query).label("rank")
    marks = f"StartSel={_START}, StopSel={_STOP}"
    return db.session.execute(
        select(docs.c.kind, docs.c.ref, docs.c.exchange_id, docs.c.exchange_title, rank,
               func.ts_headline(config, func.replace(docs.c.title, "<", _LT), query,
                                marks + ", HighlightAll=true").label("title_hl"),
               func.ts_headline(config, func.replace(docs.c.body, "<", _LT), query,
                                marks + ", MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter=\" … \"")
               .label("snippet"))
        .where(vector.op("@@")(query))
        .order_by(rank.desc(), docs.c.kind, docs.c.ref.desc()).limit(MAX_RESULTS)).all()


_fts = table(FTS_TABLE, column("kind"), column("ref"), column("title"), column("body"))


def _sqlite(docs, match: str):
    fts = literal_column(FTS_TABLE)
    # bm25 weighs each column: kind and ref are never matched; a word in a title counts ten times one in a body.
    rank = (-func.bm25(fts, 0.0, 0.0, 10.0, 1.0, type_=Float)).label("rank")  # bm25: lower is better
    return db.session.execute(
        select(docs.c.kind, docs.c.ref, docs.c.exchange_id, docs.c.exchange_title, rank,
               func.highlight(fts, 2, _START, _STOP).label("title_hl"),
               func.snippet(fts, 3, _START, _STOP, " … ", 24).label("snippet"))
        .select_from(_fts.join(docs, and_(docs.c.kind == _fts.c.kind,
                                          docs.c.ref == cast(_fts.c.ref, Integer))))
        .where(fts.op("MATCH")(match))
        .order_by(rank.desc(), docs.c.kind, docs.c.ref.desc()).limit(MAX_RESULTS)).all()


# --- The SQLite index, kept by the flush that changes the text -------------------------------------------------

def is_search_index_table(name: str | None) -> bool:
    """Tell whether a table is the SQLite search index or one of FTS5's shadow tables (not in the models)."""
    return bool(name) and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))


def _indexed_text(obj) -> tuple[str, int, str, str] | None:
    """Return (kind, ref, title, body) for a row the index holds, or None for other rows."""
    if isinstance(obj, OutcomeNote):
        return "note", obj.id, obj.title or "", "\n".join(getattr(obj, n) or "" for n in NOTE_FIELDS)
    if isinstance(obj, Question):
        return "answer", obj.id, obj.body or "", obj.answer or ""
    if isinstance(obj, FollowUp):
        return "followup", obj.id, obj.question.body if obj.question else "", obj.answer or ""
    return None


_KINDS = {"note": 1, "answer": 2, "followup": 3}
_TEXT_ATTRS = {OutcomeNote: ("title", *NOTE_FIELDS), Question: ("body", "answer"), FollowUp: ("answer", "question_id")}


def fts_rowid(kind: str, ref: int) -> int:
    """The index row of a text: one per note, question and follow-up (the migration fills it the same way)."""
    return ref * 4 + _KINDS[kind]


def _text_changed(obj) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in _TEXT_ATTRS[type(obj)])


def _keep_index(session: Session, _context) -> None:
    """On SQLite, write the text of the notes, questions and follow-ups this flush changed into `library_fts`."""
    new = [o for o in session.new if type(o) in _TEXT_ATTRS]
    dirty = [o for o in session.dirty if type(o) in _TEXT_ATTRS and _text_changed(o)]
    gone = [o for o in session.deleted if type(o) in _TEXT_ATTRS]
    if not (new or dirty or gone):
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite" or not connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = :name"), {"name": FTS_TABLE}).first():
        return
    for obj, keep in [*((o, True) for o in (*new, *dirty)), *((o, False) for o in gone)]:
        kind, ref, title, body = _indexed_text(obj)
        rowid = fts_rowid(kind, ref)
        connection.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid = :rowid"), {"rowid": rowid})  # noqa: S608
        if keep:
            connection.execute(text(f"INSERT INTO {FTS_TABLE} (rowid, kind, ref, title, body) "  # noqa: S608
                                    "VALUES (:rowid, :kind, :ref, :title, :body)"),
                               {"rowid": rowid, "kind": kind, "ref": ref, "title": title, "body": body})


def register_search_index() -> None:
    """Keep the SQLite search index true to the notes, questions and follow-ups, in the same transaction as the
    change (every SQLAlchemy session; a no-op on PostgreSQL). Called by `create_app`; registering again is harmless.
    """
    if not event.contains(Session, "after_flush", _keep_index):
        event.listen(Session, "after_flush", _keep_index)
