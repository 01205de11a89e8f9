"""Experts test helpers: a valid application form and images to upload."""

from __future__ import annotations

import io

from PIL import Image

VALID = {
    "job_title": "Chief Innovation Officer", "city_government": "City of Austin", "state": "TX",
    "department": "Office of Innovation", "focus_areas": ["culture-of-innovation"],
    "topics": ["innovation-teams", "open-data"], "languages-0-code": "en", "languages-0-level": "native",
    "languages-1-code": "es", "languages-1-level": "fluent", "timezone": "America/Chicago",
    "availability-0-weekday": "weekdays", "availability-0-start": "08:00", "availability-0-end": "12:00",
    "availability-1-weekday": "5", "availability-1-start": "10:00", "availability-1-end": "11:30",
    "bio": "Started Austin's innovation office.", "links": "https://www.austintexas.gov/innovation",
}


def image_bytes(fmt: str = "PNG", size=(800, 600), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None).save(out, format=fmt)
    return out.getvalue()
