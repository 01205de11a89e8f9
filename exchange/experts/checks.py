"""The checks every expert write shares: free text, topics and focus areas chosen by slug; the focus-area tree.

Each check raises `Invalid` naming the form field; nothing here changes anything.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..common import text
from ..common.errors import Invalid
from ..extensions import db
from .models import FocusArea, Topic


def clean_text(value: str | None, *, field: str, label, max_len: int, required: bool = True,
               multiline: bool = False) -> str:
    """Clean a profile field (one line unless `multiline`, by `common.text.clean_text`'s rules); its errors name
    the field by `label`."""
    return text.clean_text(value, field=field, max_len=max_len, required=required, one_line=not multiline,
                           empty=_l("Enter %(what)s.", what=label),
                           too_long=_l("Use at most %(n)d characters for %(what)s.", what=label, n=max_len))


def find_topics(slugs: list[str], *, required: bool) -> list[Topic]:
    """Return the topics named by these slugs, in order, or raise Invalid for an unknown one."""
    wanted = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    found = {t.slug: t for t in db.session.scalars(select(Topic).where(Topic.slug.in_(wanted)))} if wanted else {}
    for slug in wanted:
        if slug not in found:
            raise Invalid(_l("Unknown topic “%(slug)s”. Choose topics from the list.", slug=slug), field="topics")
    if required and not wanted:
        raise Invalid(_l("Choose at least one topic."), field="topics")
    return [found[s] for s in wanted]


def find_focus_areas(slugs: list[str]) -> list[FocusArea]:
    """Return the focus areas named by these slugs, in order, or raise Invalid for an unknown one."""
    wanted = list(dict.fromkeys(s.strip() for s in slugs if s and s.strip()))
    found = {a.slug: a for a in db.session.scalars(select(FocusArea).where(FocusArea.slug.in_(wanted)))} if wanted else {}
    for slug in wanted:
        if slug not in found:
            raise Invalid(_l("Unknown focus area “%(slug)s”. Choose from the list.", slug=slug), field="focus_areas")
    return [found[s] for s in wanted]


def focus_area_tree() -> list[FocusArea]:
    """Return the focus areas in order, with their topics loaded."""
    return list(db.session.scalars(select(FocusArea).options(selectinload(FocusArea.topics)).order_by(FocusArea.position)))
