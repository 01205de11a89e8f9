"""Site-wide pages: home, health check, language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..common.web import safe_next
from . import services

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """Tell each kind of visitor what they can do here."""
    return render_template("main/home.html", summary=services.home_summary(current_user))


@bp.route("/healthz")
def healthz():
    """Report 200 when the database (and Redis, when configured) answer and no live room's writes are stuck;
    503 otherwise."""
    report = services.health(current_app.config.get("REDIS_URL"),
                             stuck_after=float(current_app.config.get("LIVE_LOCK_STUCK_SECONDS", 5.0)))
    return jsonify(report), 200 if report["ok"] else 503


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language for this visit (and the profile, when logged in)."""
    form = FlaskForm()
    lang = request.form.get("lang", "")
    if form.validate_on_submit() and lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            services.remember_language(current_user, language=lang)
    return redirect(safe_next(request.form.get("next"), url_for("main.home")))
