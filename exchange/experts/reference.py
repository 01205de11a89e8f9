"""Load the shipped reference data (focus areas, topics, cities) idempotently, by slug."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .data import CITIES, FOCUS_AREAS
from .models import City, FocusArea, Topic


def load_reference_data() -> None:
    """Create missing focus areas, topics and cities; leave edited ones as organizers left them."""
    areas = {a.slug: a for a in db.session.scalars(select(FocusArea))}
    topics = {t.slug for t in db.session.scalars(select(Topic))}
    for position, (slug, name, description, topic_list) in enumerate(FOCUS_AREAS):
        area = areas.get(slug)
        if area is None:
            area = FocusArea(slug=slug, name=str(name), description=str(description), position=position)
            db.session.add(area)
            db.session.flush()
        for topic_slug, topic_name in topic_list:
            if topic_slug not in topics:
                db.session.add(Topic(slug=topic_slug, name=str(topic_name), focus_area=area))
    cities = {c.slug for c in db.session.scalars(select(City))}
    for slug, name, country, region, millions, zone in CITIES:
        if slug not in cities:
            # Stored in English (str() outside a request); pages translate them for each reader.
            db.session.add(City(slug=slug, name=str(name), country=str(country), region=str(region),
                                population=int(millions * 1_000_000), timezone=zone))
    db.session.flush()
