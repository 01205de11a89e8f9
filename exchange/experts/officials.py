"""Officials' profiles: their city, organization, role, stakeholder group and languages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..common import permissions
from ..common.errors import Invalid, Problems
from ..common.i18n import translated
from ..extensions import db
from .checks import clean_text
from .models import STAKEHOLDER_GROUPS, City, OfficialProfile
from .vocab import check_languages


def get_official_profile(user: User) -> OfficialProfile | None:
    """Return this person's official profile, or None."""
    return db.session.scalar(select(OfficialProfile).where(OfficialProfile.user_id == user.id))


def save_official_profile(user: User, *, actor: User, city_id: int | None, organization: str, role_title: str,
                          stakeholder_group: str, languages: list[str]) -> OfficialProfile:
    """Create or update an official's profile: city, organization, role, stakeholder group, languages."""
    permissions.require(actor, "official_profile.edit", user)
    problems = Problems()  # every field is checked; all the problems are raised together
    city = db.session.get(City, city_id) if city_id else None
    if city is None:
        problems.add(Invalid(_l("Choose your city from the list."), field="city"))
    values = {
        "organization": problems.check(clean_text, organization, field="organization", label=_l("your organization"),
                                       max_len=160),
        "role_title": problems.check(clean_text, role_title, field="role_title", label=_l("your role"), max_len=160),
    }
    if stakeholder_group not in STAKEHOLDER_GROUPS:
        problems.add(Invalid(_l("Choose one of the five stakeholder groups."), field="stakeholder_group"))
    values["languages"] = ",".join(problems.check(check_languages, languages, default=[]))
    problems.raise_any()
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
