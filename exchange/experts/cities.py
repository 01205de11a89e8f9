"""Cities: the list, a city's page, and organizers adding and correcting cities."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..common import permissions
from ..common.errors import Conflict, Invalid, NotFound, Problems
from ..exchanges.models import Exchange, exchange_cities
from ..exchanges.permissions import team_clause
from ..extensions import db
from .checks import clean_text
from .models import STAKEHOLDER_GROUPS, City, OfficialProfile
from .vocab import check_zone


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
    """Check every field of a city; all the problems are raised together."""
    problems = Problems()
    values = {
        "name": problems.check(clean_text, name, field="name", label=_l("the city's name"), max_len=120),
        "country": problems.check(clean_text, country, field="country", label=_l("the country"), max_len=80),
        "region": problems.check(clean_text, region, field="region", label=_l("the region"), max_len=80),
        "population": population,
    }
    if population is not None and not (0 <= population <= 100_000_000):
        problems.add(Invalid(_l("Give the population as a number of people, up to 100 million."), field="population"))
    values["timezone"] = problems.check(check_zone, timezone)
    problems.raise_any()
    return values


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
    """Return a city's exchanges (published public ones; an organizer also sees their teams' others, an administrator
    every one), sorted by their first live session; how many officials it has in each stakeholder group (everyone:
    counts, no names); and, for organizers, those officials grouped by stakeholder group."""
    query = (select(Exchange).join(exchange_cities, exchange_cities.c.exchange_id == Exchange.id)
             .where(exchange_cities.c.city_id == city.id).options(selectinload(Exchange.sessions)))
    public = and_(Exchange.status == "published", Exchange.visibility == "public")
    if not permissions.is_organizer(viewer):
        query = query.where(public)
    elif not permissions.is_admin(viewer):
        query = query.where(or_(public, team_clause(viewer, Exchange.id)))
    exchanges = sorted(db.session.scalars(query), key=lambda e: (e.live_span[0] if e.live_span else e.created_at))
    counts = dict(db.session.execute(
        select(OfficialProfile.stakeholder_group, func.count()).where(OfficialProfile.city_id == city.id)
        .group_by(OfficialProfile.stakeholder_group)).all())
    group_counts = [(group, counts[group]) for group in STAKEHOLDER_GROUPS if counts.get(group)]
    officials = None
    if permissions.can(viewer, "city.view_officials", city):
        rows = list(db.session.scalars(
            select(OfficialProfile).join(User, OfficialProfile.user).options(joinedload(OfficialProfile.user))
            .where(OfficialProfile.city_id == city.id).order_by(User.name)))
        officials = [(group, [o for o in rows if o.stakeholder_group == group])
                     for group in (*STAKEHOLDER_GROUPS, *sorted({o.stakeholder_group for o in rows} - set(STAKEHOLDER_GROUPS)))]
        officials = [(group, people) for group, people in officials if people]
    return {"exchanges": exchanges, "officials": officials, "group_counts": group_counts}
