"""The pages everyone sees: the listing, the exchange page, a conference's agenda, the joining details, my agenda,
and registering for an exchange (or leaving it).

Each route parses, calls one service and renders; organizers see their tools on the exchange page too.
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..common import permissions
from ..common.errors import DomainError, NotFound
from ..common.i18n import current_locale
from ..common.templating import viewer_zone
from ..common.time import get_zone
from ..common.web import ConfirmForm, confirm_page, confirmed, form_error, page_number
from . import questions, registrations, services
from .blueprint import bp, registered_message, speaker_form
from .forms import TeamMemberForm, TrackForm, registration_form
from .models import RegistrationStatus
from .timeinfo import hours_hints, is_past


def _page_number() -> int:
    """Return the page asked for in the query string (1 at least)."""
    return request.args.get("page", 1, type=page_number)


@bp.route("/exchanges/")
def index():
    """List upcoming (or past) exchanges with filters and search."""
    filters = services.ExchangeFilters(**{k: request.args.get(k, "").strip()[:100] for k in
                                          ("kind", "focus", "topic", "city", "language", "q")},
                                       when=w if (w := request.args.get("when")) in ("past", "all") else "upcoming",
                                       mine=request.args.get("mine") == "1")
    page = services.list_exchanges(filters, actor=current_user, page=_page_number())
    return render_template("exchanges/index.html", page=page, filters=filters, focus_areas=services.focus_areas(),
                           cities=services.cities(), languages=services.LANGUAGES)


@bp.route("/exchanges/<int:exchange_id>")
def detail(exchange_id: int):
    """The exchange page: description, sessions in your zone and the exchange's, registration."""
    exchange = services.get_exchange(exchange_id, actor=current_user)
    form = registration_form(exchange)
    earlier = registrations.registration_of(exchange, current_user)
    if earlier is not None:  # registering again: the answers given last time
        form.city_id.data, form.stakeholder_group.data = earlier.city_id or 0, earlier.stakeholder_group
        form.needs.data = earlier.needs
        form.fill_answers(questions.answers_of(earlier))
    else:
        form.city_id.data, form.stakeholder_group.data = registrations.usual_answers(current_user)
    return _render_detail(exchange, form)


def _team_form(exchange) -> TeamMemberForm:
    form = TeamMemberForm()
    form.fill_choices(exchange)
    return form


def _render_detail(exchange, form, status: int = 200):
    managing = permissions.can(current_user, "exchange.manage", exchange)
    return render_template(
        "exchanges/detail.html", exchange=exchange, form=form, seats_left=registrations.seats_left(exchange),
        registration=registrations.registration_of(exchange, current_user), is_past=is_past(exchange),
        managing=managing, warnings=services.organizer_warnings(exchange, current_locale()) if managing else [],
        counts=registrations.status_counts(exchange) if managing else None,
        speaker_form=speaker_form() if managing else None, track_form=TrackForm() if managing else None,
        participant_ids=services.participant_ids(exchange) if managing else [],
        team=services.team_of(exchange) if managing else [], team_form=_team_form(exchange) if managing else None,
        own_questions=questions.questions_of(exchange) if managing else [],
        invited=registrations.is_invited(exchange, current_user),
        hours=hours_hints(exchange.sessions, viewer_zone(), current_locale()) if current_user.is_authenticated else []
        ), status


@bp.route("/exchanges/<int:exchange_id>/agenda")
def agenda(exchange_id: int):
    """A conference's agenda: sessions by day (in your zone) and track."""
    exchange = services.get_exchange(exchange_id, actor=current_user)
    zone = get_zone(viewer_zone())
    days: dict[date, list] = {}
    for session in exchange.sessions:
        days.setdefault(session.starts_at.astimezone(zone).date(), []).append(session)
    return render_template("exchanges/agenda.html", exchange=exchange, days=days)


@bp.route("/exchanges/<int:exchange_id>/join")
@login_required
def join(exchange_id: int):
    """Joining details (the video link) for registered people, speakers and organizers only."""
    exchange = services.get_exchange(exchange_id, actor=current_user)
    if not permissions.can(current_user, "exchange.join", exchange):
        raise NotFound(_("There is no such exchange, or it is not open to you."))
    return render_template("exchanges/join.html", exchange=exchange)


@bp.route("/agenda")
@login_required
def my_agenda():
    """My agenda: the sessions I attend or speak at, in my zone."""
    return render_template("exchanges/my_agenda.html", upcoming=services.agenda_for(current_user),
                           past=services.agenda_for(current_user, past=True))


@bp.route("/exchanges/<int:exchange_id>/register", methods=["POST"])
@login_required
def register(exchange_id: int):
    """Register (or join the waitlist, or ask for approval)."""
    exchange = services.get_exchange(exchange_id, actor=current_user)
    form = registration_form(exchange)
    if not form.validate_on_submit():
        return _render_detail(exchange, form, 400)
    try:
        registration = registrations.register(exchange, actor=current_user, answers=form.answers())
    except DomainError as exc:
        return _render_detail(exchange, form, form_error(form, exc))
    flash(registered_message(registration.status), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id))


@bp.route("/exchanges/<int:exchange_id>/unregister", methods=["GET", "POST"])
@login_required
def unregister(exchange_id: int):
    """Cancel my registration (or leave the waitlist), after confirming."""
    exchange = services.get_exchange(exchange_id, actor=current_user)
    form = ConfirmForm()
    if not confirmed(form):
        registration = registrations.registration_of(exchange, current_user)
        holds_seat = registration is not None and registration.holds_seat
        consequences = []
        if registration is not None and registration.status == RegistrationStatus.WAITLISTED:
            consequences.append(_("You leave the waitlist and lose your place in it."))
        elif holds_seat and registrations.status_counts(exchange)[RegistrationStatus.WAITLISTED]:
            consequences.append(_("Your seat goes at once to the next person on the waitlist. If you change your "
                                  "mind, you join the end of the waitlist."))
        if holds_seat:
            consequences.append(_("The sessions leave your calendar: you get a cancellation by email."))
        return confirm_page(form, title=_("Cancel your registration for “%(title)s”?", title=exchange.title),
                            consequences=consequences, confirm_label=_("Cancel my registration"),
                            back=url_for("exchanges.detail", exchange_id=exchange_id), back_label=_("Keep my place"))
    try:
        registrations.cancel_registration(exchange, actor=current_user)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id))
