"""The read-only JSON API (GET only, so no CSRF exemption is needed) and its OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ..common.urls import absolute_url
from ..extensions import limiter
from . import services
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Per address; a 429 answers in JSON with Retry-After (the app's error handler, Flask-Limiter's headers).
limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "300 per minute"))(bp)


@bp.route("/exchanges")
def exchanges():
    """List public exchanges: filters kind, focus, topic, city, language, q, when; page and per_page."""
    return jsonify(services.exchange_page(request.args.to_dict()))


@bp.route("/exchanges/<int:exchange_id>")
def exchange(exchange_id: int):
    """One public exchange with its sessions."""
    return jsonify(services.exchange_detail(exchange_id))


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document(absolute_url(bp.url_prefix)))  # PUBLIC_URL, never the Host header


@bp.after_request
def _public_cache(response):
    # Public data, readable from other sites' scripts; nothing here depends on who asks.
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response
