"""Read-only public data for the JSON API: published public exchanges only, times ISO 8601 with offsets, links
absolute on the public site (PUBLIC_URL, never the Host header a client sent)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..common.errors import Invalid, NotFound
from ..common.time import to_zone
from ..common.urls import public_url
from ..common.web import PAGE_MAX
from ..exchanges import registrations
from ..exchanges import services as exchanges
from ..exchanges.markdown import render_markdown
from ..exchanges.models import EXCHANGE_KINDS, Exchange
from ..extensions import db

MAX_PER_PAGE = 100


def _iso(value: datetime | None, zone: str) -> str | None:
    return to_zone(value, zone).isoformat() if value is not None else None


def _summary(exchange: Exchange) -> dict:
    scheduled = [s for s in exchange.sessions if s.status == "scheduled"] or exchange.sessions
    zone = exchange.timezone
    return {
        "id": exchange.id,
        "kind": exchange.kind,
        "title": exchange.title,
        "description": exchange.description,
        "description_html": str(render_markdown(exchange.description)),
        "url": public_url("exchanges.detail", exchange_id=exchange.id),
        "status": exchange.status,
        "visibility": exchange.visibility,
        "timezone": zone,
        "languages": [code for code in exchange.languages.split(",") if code],
        "interpretation_notes": exchange.interpretation_notes,
        "capacity": exchange.capacity,
        "seats_left": registrations.seats_left(exchange),
        "requires_approval": exchange.requires_approval,
        "registration_deadline": _iso(exchange.registration_deadline, zone),
        "starts_at": _iso(min(s.starts_at for s in scheduled), zone) if scheduled else None,
        "ends_at": _iso(max(s.ends_at for s in scheduled), zone) if scheduled else None,
        "focus_areas": [{"slug": a.slug, "name": a.name} for a in exchange.focus_areas],
        "topics": [{"slug": t.slug, "name": t.name} for t in exchange.topics],
        "cities": [{"slug": c.slug, "name": c.name, "country": c.country, "timezone": c.timezone}
                   for c in exchange.cities],
        "session_count": len(exchange.sessions),
    }


def _session(session) -> dict:
    return {
        "id": session.id,
        "title": session.title,
        "description": session.description,
        "starts_at": _iso(session.starts_at, session.timezone),
        "ends_at": _iso(session.ends_at, session.timezone),
        "timezone": session.timezone,
        "status": session.status,
        "track": session.track.name if session.track else None,
        # Only speakers who accepted are public; emails never appear.
        "speakers": [{"name": sp.user.name, "role": sp.role} for sp in session.speakers if sp.status == "accepted"],
    }


def exchange_page(args: dict) -> dict:
    """Return one page of public exchanges matching the query arguments."""
    when = args.get("when", "upcoming")
    if when not in ("upcoming", "past", "all"):
        raise Invalid(_l("“when” must be upcoming, past or all."))
    if args.get("kind") and args["kind"] not in EXCHANGE_KINDS:
        raise Invalid(_l("“kind” must be one of %(kinds)s.", kinds=", ".join(EXCHANGE_KINDS)))
    page, per_page = _positive(args, "page", 1, PAGE_MAX), _positive(args, "per_page", 20, MAX_PER_PAGE)
    filters = exchanges.ExchangeFilters(when=when, **{k: (args.get(k) or "")[:100] for k in
                                                      ("kind", "focus", "topic", "city", "language", "q")})
    result = exchanges.list_exchanges(filters, public_only=True, page=page, per_page=per_page)
    base = {k: v for k, v in args.items() if k != "page"}
    return {
        "items": [_summary(e) for e in result.items],
        "page": result.page, "per_page": result.per_page, "total": result.total, "pages": result.pages,
        "links": {
            "self": public_url("api.exchanges", page=result.page, **base),
            "next": public_url("api.exchanges", page=result.page + 1, **base) if result.has_next else None,
            "prev": public_url("api.exchanges", page=result.page - 1, **base) if result.has_prev else None,
        },
    }


def _positive(args: dict, key: str, default: int, maximum: int) -> int:
    raw = str(args.get(key) or "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or not 1 <= int(raw) <= maximum:
        raise Invalid(_l("“%(key)s” must be a whole number from 1 to %(max)d.", key=key, max=maximum))
    return int(raw)


def exchange_detail(exchange_id: int) -> dict:
    """Return one public exchange with its sessions; anything not published and public is not found."""
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or exchange.status != "published" or exchange.visibility != "public":
        raise NotFound(_l("There is no such public exchange."))
    data = _summary(exchange)
    data["tracks"] = [t.name for t in exchange.tracks]
    data["sessions"] = [_session(s) for s in exchange.sessions]
    return data
