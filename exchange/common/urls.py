"""Links that work anywhere: in a request, in a background job, on the command line."""

from __future__ import annotations

from contextlib import nullcontext

from flask import current_app, has_request_context, url_for


def path_for(endpoint: str, **values) -> str:
    """Return the path of `endpoint`, with or without a request."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost", url_scheme="http").build(endpoint, values)


def absolute_url(path: str) -> str:
    """Return the absolute address of `path` ("/exchanges/3") on the public site (PUBLIC_URL): the one place
    that joins the two."""
    return current_app.config["PUBLIC_URL"] + path


def public_url(endpoint: str, **values) -> str:
    """Return the absolute address of `endpoint` on the public site (PUBLIC_URL), for emails and files."""
    return absolute_url(path_for(endpoint, **values))


def request_context_for_rendering():
    """Return a context in which templates can call url_for(): the current request, else one for PUBLIC_URL."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"])
