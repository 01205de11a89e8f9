"""Static files for weak links: compressed by Flask-Compress, addressed by content hash, cached a year.

Every `url_for('static', filename=...)` gets `?v=<hash of the file>`; a request carrying the current
hash may be cached for a year (`immutable`), because a changed file gets a new address. Anything else
(an old or missing hash) is revalidated, so nobody keeps a stale stylesheet or script.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, request

YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    """Version static URLs and mark versioned static responses as cacheable for a year."""
    static = Path(app.static_folder or "static")
    known: dict[tuple[str, int, int], str] = {}

    def version(filename: str) -> str | None:
        path = static / filename
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (filename, stat.st_mtime_ns, stat.st_size)
        if key not in known:  # hashed once per file version, not once per page
            known[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        return known[key]

    @app.url_defaults
    def add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and values.get("filename"):
            digest = version(values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def cache_static(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            digest = request.args.get("v")
            if digest and digest == version((request.view_args or {}).get("filename", "")):
                response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"
        return response
