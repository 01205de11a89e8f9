"""The experts feature's public face: every write and read the views, forms, other features and tests call.

It holds no logic (as `live/services.py` for the live room). Each concern has its own module:

- `checks`         free text, topics and focus areas by slug (shared by the writes); the focus-area tree
- `applications`   apply, edit, withdraw; an organizer's review decisions; the photo check
- `directory`      one expert's profile, photo and availability; the searchable directory
- `officials`      officials' profiles
- `cities`         the city list and a city's page
- `peer_requests`  an official's challenge sent to one expert; matching suggestions; the new-exchange prefill

The acting user is always passed in; each public write commits once, with its emails in the same transaction
(docs/architecture.md, "Commit naming"). Input is checked completely before anything changes.
"""

from __future__ import annotations

from .applications import (
    DECISIONS,
    MAX_PHOTO_BYTES,
    ExpertApplication,
    apply_as_expert,
    decide_application,
    decisions_of,
    get_application,
    get_own_profile,
    process_photo,
    review_queue,
    update_expert_profile,
    withdraw_expert_profile,
)
from .checks import focus_area_tree
from .cities import city_page, create_city, get_city, list_cities, update_city
from .directory import (
    PER_PAGE,
    SORTS,
    DirectoryPage,
    DirectoryQuery,
    availability_for_viewer,
    expert_photo,
    get_expert,
    search_experts,
    windows_of,
)
from .officials import get_official_profile, official_choices, save_official_profile
from .peer_requests import (
    Challenge,
    cancel_peer_request,
    create_peer_request,
    default_languages_for,
    default_zone_for,
    exchange_prefill,
    get_peer_request,
    list_peer_requests,
    respond_to_peer_request,
    send_peer_request,
    suggest_experts,
)

__all__ = [
    "focus_area_tree",
    # applications and review
    "DECISIONS", "MAX_PHOTO_BYTES", "ExpertApplication", "apply_as_expert", "decide_application", "decisions_of",
    "get_application", "get_own_profile", "process_photo", "review_queue", "update_expert_profile",
    "withdraw_expert_profile",
    # the directory
    "PER_PAGE", "SORTS", "DirectoryPage", "DirectoryQuery", "availability_for_viewer", "expert_photo", "get_expert",
    "search_experts", "windows_of",
    # officials and cities
    "get_official_profile", "official_choices", "save_official_profile",
    "city_page", "create_city", "get_city", "list_cities", "update_city",
    # peer requests
    "Challenge", "cancel_peer_request", "create_peer_request", "default_languages_for", "default_zone_for",
    "exchange_prefill", "get_peer_request", "list_peer_requests", "respond_to_peer_request", "send_peer_request",
    "suggest_experts",
]
