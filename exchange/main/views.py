"""Site-wide pages: home, health check, language and (for visitors) time-zone switch."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField

from ..accounts.forms import ZoneField
from ..common.templating import ZONE_COOKIE, ZONE_COOKIE_MAX_AGE, known_zone
from ..common.time import is_zone
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


class ZoneForm(FlaskForm):
    timezone = ZoneField(_l("Show times in"))
    next = HiddenField()
    submit = SubmitField(_l("Set"))


@bp.route("/zone", methods=["GET", "POST"])
def set_zone():
    """Let a visitor (no account) choose the zone times are shown in: kept in the `tz` cookie for a year, which
    `static/js/zone.js` sets from the browser on a first visit. A signed-in reader's zone is her profile's."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = ZoneForm()
    back = safe_next(request.values.get("next"), url_for("main.home"))
    if form.validate_on_submit():
        if is_zone(form.timezone.data):
            response = redirect(back)
            response.set_cookie(ZONE_COOKIE, form.timezone.data, max_age=ZONE_COOKIE_MAX_AGE, samesite="Lax",
                                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), httponly=False)
            return response
        form.timezone.errors = [_l("Choose a zone from the list.")]
    if request.method == "GET":
        form.timezone.data, form.next.data = known_zone() or "UTC", back
    return render_template("main/zone.html", form=form), 400 if form.is_submitted() else 200
