"""The exchanges blueprint: `bp`, registered by the app factory, with the routes of every exchanges page.

`bp` is defined in `blueprint.py` (with its app-wide template helpers); the routes live in modules by audience and
are added to `bp` when those modules are imported, which this module does:

- `views_public`     the listing, the exchange page, agendas, joining details, registering and leaving
- `views_links`      pages behind an emailed link: a speaker's answer, an invitation
- `views_organizer`  create, edit, publish and cancel an exchange; tracks, sessions and speakers
- `views_people`     organizers' registrations (approval) and invitations
- `views_tools`      the scheduling assistant; program import and export

Endpoint names stay `exchanges.<function>` whatever module holds the function.
"""

from __future__ import annotations

from . import views_links, views_organizer, views_people, views_public, views_tools
from .blueprint import bp

ROUTE_MODULES = (views_public, views_links, views_organizer, views_people, views_tools)

__all__ = ["ROUTE_MODULES", "bp"]
