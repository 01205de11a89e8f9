"""Organizers' pages that shape an exchange: create it (prefilled from a peer request or the assistant), edit,
publish and cancel it, its tracks, its registration questions, its sessions and their speakers.

Each route parses, calls one service and renders or redirects; a local time that happens twice (the clocks go back)
is offered as two choices (`_fold_labels`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..common import permissions, timefmt
from ..common.errors import DomainError, Invalid, NotFound
from ..common.i18n import current_locale
from ..common.templating import viewer_zone
from ..common.time import get_zone, is_zone, zone_label
from ..common.web import ConfirmForm, ReasonConfirmForm, confirm_page, confirmed, form_error, optional_id
from . import questions, services
from .blueprint import bp, question_text, speaker_form
from .forms import ExchangeForm, NewExchangeForm, SessionForm, TrackForm, question_form


def _fold_labels(form, exc: DomainError) -> None:
    """When a local time happens twice, offer both instants as choices for the matching fold field."""
    if exc.details.get("reason") != "ambiguous":
        return
    times = [name for name, _message in getattr(exc, "errors", [(exc.field, "")]) if name in ("starts_local", "ends_local")]
    target = form.start_fold if times[:1] == ["starts_local"] else form.end_fold
    zone = form.timezone.data
    labels = []
    for n, iso in enumerate(exc.details["choices"]):
        instant = datetime.fromisoformat(iso)
        local = timefmt.clock(instant, zone)
        which = _("before the clocks go back") if n == 0 else _("after the clocks go back")
        labels.append((str(n), f"{local} {zone_label(zone, instant, current_locale())} — {which}"))
    target.choices = labels
    target.flags.shown = True


# -- exchanges --------------------------------------------------------------------------------------

def _prefill_new(form: NewExchangeForm) -> dict:
    """Fill the new-exchange form from the query string (a peer request, the assistant); return what to show.

    The query string other pages may send: kind, title, description, topics (slugs, comma-separated), speaker and
    invitee (user ids), peer_request (an id, noted under the description), zone, start, duration, fold.
    """
    args = request.args
    shown: dict = {}
    if args.get("kind") in ("webinar", "peer_exchange", "conference"):
        form.kind.data = args["kind"]
    form.title.data = args.get("title", "")[:200]
    description = args.get("description", "")[:20_000]
    if optional_id(args.get("peer_request")) is not None:  # experts.services.exchange_prefill(): noted, not linked
        description = (description + "\n\n" + _("Arranged from peer request #%(id)s.", id=args["peer_request"])).strip()
    form.description.data = description
    form.topics.data = services.topic_ids([s.strip() for s in args.get("topics", "").split(",") if s.strip()])
    for key, field in (("speaker", form.speaker_id), ("invitee", form.invitee_id)):
        person = services.user_by_id(optional_id(args.get(key)))
        if person is not None:
            field.data, shown[key] = str(person.id), person
    zone = args.get("zone", "")
    form.timezone.data = zone if is_zone(zone) else viewer_zone()  # else the organizer's own zone, not UTC
    start = _parse_local(args.get("start", ""))
    if start is not None:
        form.starts_local.data = start
        form.ends_local.data = start + timedelta(minutes=max(min(args.get("duration", 60, type=int) or 60, 720), 15))
        if args.get("fold") in ("0", "1"):
            form.start_fold.data = form.end_fold.data = args["fold"]
    return shown


def _parse_local(value: str) -> datetime | None:
    try:
        return datetime.strptime(value[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        return None


@bp.route("/exchanges/new", methods=["GET", "POST"])
@login_required
def new():
    """Create an exchange with its first session (prefilled from a peer request or the assistant)."""
    permissions.require(current_user, "exchange.create")
    form = NewExchangeForm()
    form.fill_choices()
    shown, status = (_prefill_new(form) if request.method == "GET" else _posted_people(form)), 200
    if form.validate_on_submit():
        try:
            exchange = services.create_exchange(
                actor=current_user, data=form.to_data(), first_session=form.session_data(),
                speaker_id=optional_id(form.speaker_id.data), invitee_id=optional_id(form.invitee_id.data),
                publish=bool(form.publish.data))
        except DomainError as exc:
            _fold_labels(form, exc)
            status = form_error(form, exc)
        else:
            flash(_("The exchange is created."), "success")
            return redirect(url_for("exchanges.detail", exchange_id=exchange.id))
    elif form.is_submitted():
        status = 400
    return render_template("exchanges/new.html", form=form, shown=shown), status


def _posted_people(form) -> dict:
    """Return the speaker and invitee a posted form names (shown again when the form comes back with errors)."""
    found = {key: services.user_by_id(optional_id(field.data)) for key, field in (("speaker", form.speaker_id),
                                                                               ("invitee", form.invitee_id))}
    return {key: person for key, person in found.items() if person is not None}


def _fill_edit_form(form: ExchangeForm, exchange) -> None:
    form.focus_areas.data = [a.id for a in exchange.focus_areas]
    form.topics.data = [t.id for t in exchange.topics]
    form.cities.data = [c.id for c in exchange.cities]
    form.languages.data = [c for c in exchange.languages.split(",") if c]
    if exchange.registration_deadline is not None:
        form.registration_deadline.data = exchange.registration_deadline.astimezone(
            get_zone(exchange.timezone)).replace(tzinfo=None)


@bp.route("/exchanges/<int:exchange_id>/edit", methods=["GET", "POST"])
@login_required
def edit(exchange_id: int):
    """Edit an exchange; lowering capacity never removes anyone."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    form = ExchangeForm(obj=exchange if request.method == "GET" else None)
    form.fill_choices()
    if request.method == "GET":
        _fill_edit_form(form, exchange)
    status = 200
    if form.validate_on_submit():
        try:
            result = services.update_exchange(exchange, actor=current_user, data=form.to_data())
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            _flash_update(result)
            return redirect(url_for("exchanges.detail", exchange_id=exchange_id))
    elif form.is_submitted():
        status = 400
    return render_template("exchanges/edit.html", form=form, exchange=exchange), status


def _flash_update(result: services.UpdateResult) -> None:
    flash(_("The exchange is saved."), "success")
    if result.over_capacity:
        flash(_("%(n)d people are registered beyond the new capacity. Nobody is removed: the seats free up as "
                "people cancel, and newcomers join the waitlist until then.", n=result.over_capacity), "warning")
    if result.promoted:
        flash(_("%(n)d people moved from the waitlist into the new seats and were emailed.", n=result.promoted), "success")


@bp.route("/exchanges/<int:exchange_id>/publish", methods=["POST"])
@login_required
def publish(exchange_id: int):
    """Publish a draft."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    try:
        services.publish_exchange(exchange, actor=current_user)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The exchange is published."), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id))


@bp.route("/exchanges/<int:exchange_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(exchange_id: int):
    """Cancel an exchange after confirming (with an optional reason for the emails); everyone concerned is emailed
    a calendar cancellation."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    form = ReasonConfirmForm()
    status = None
    if confirmed(form):
        try:
            services.cancel_exchange(exchange, actor=current_user, reason=form.reason.data or "")
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            flash(_("The exchange is cancelled and everyone concerned is told."), "success")
            return redirect(url_for("exchanges.detail", exchange_id=exchange_id))
    return confirm_page(
        form, title=_("Cancel “%(title)s”?", title=exchange.title),
        consequences=[_("Everyone registered, waiting or speaking is emailed, and the sessions leave their calendars. "
                        "This cannot be undone."),
                      _("The reason, if you give one, is quoted in that email.")],
        confirm_label=_("Cancel the exchange"), back=url_for("exchanges.detail", exchange_id=exchange_id) + "#manage",
        back_label=_("Keep it"), status=status)


@bp.route("/exchanges/<int:exchange_id>/tracks", methods=["POST"])
@login_required
def add_track(exchange_id: int):
    """Add a track to a conference."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    form = TrackForm()
    try:
        if not form.validate_on_submit():
            raise Invalid(_("Enter a track name."))
        services.add_track(exchange, actor=current_user, name=form.name.data)
    except DomainError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id) + "#manage")


# -- registration questions -------------------------------------------------------------------------

def _questions_url(exchange_id: int) -> str:
    return url_for("exchanges.detail", exchange_id=exchange_id) + "#questions"


@bp.route("/exchanges/<int:exchange_id>/questions/new", methods=["GET", "POST"])
@login_required
def new_question(exchange_id: int):
    """Add a question to the registration form, written in each of the exchange's languages."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    form = question_form(exchange)
    status = 200
    if form.validate_on_submit():
        try:
            questions.add_question(exchange, actor=current_user, data=form.to_data())
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            flash(_("The question is on the registration form."), "success")
            return redirect(_questions_url(exchange_id))
    elif form.is_submitted():
        status = 400
    return render_template("exchanges/question_form.html", form=form, exchange=exchange, question=None), status


@bp.route("/exchanges/<int:exchange_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(exchange_id: int, question_id: int):
    """Change a question; answers already given are kept."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    question = questions.get_question(exchange, question_id)
    form = question_form(exchange)
    if request.method == "GET":
        form.fill(question)
    status = 200
    if form.validate_on_submit():
        try:
            questions.update_question(question, actor=current_user, data=form.to_data())
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            flash(_("The question is saved."), "success")
            return redirect(_questions_url(exchange_id))
    elif form.is_submitted():
        status = 400
    return render_template("exchanges/question_form.html", form=form, exchange=exchange, question=question,
                           answered=questions.is_answered(question)), status


@bp.route("/exchanges/<int:exchange_id>/questions/<int:question_id>/remove", methods=["GET", "POST"])
@login_required
def remove_question(exchange_id: int, question_id: int):
    """Remove a question after confirming (a page, so it works without JavaScript); answers given are kept."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    question = questions.get_question(exchange, question_id)
    form = ConfirmForm()
    if not confirmed(form):
        return confirm_page(
            form, title=_("Remove “%(question)s”?", question=question_text(question)),
            consequences=[_("People have answered it: it leaves the registration form, and their answers stay in the "
                            "registrations list and its CSV.") if questions.is_answered(question)
                          else _("Nobody has answered it yet: it is deleted.")],
            confirm_label=_("Remove the question"), back=_questions_url(exchange_id), back_label=_("Keep it"))
    archived = questions.remove_question(question, actor=current_user)
    flash(_("The question is off the registration form; the answers given to it stay in the registrations list.")
          if archived else _("The question is removed."), "success")
    return redirect(_questions_url(exchange_id))


@bp.route("/exchanges/<int:exchange_id>/questions/<int:question_id>/<any(up, down):direction>", methods=["POST"])
@login_required
def move_question(exchange_id: int, question_id: int, direction: str):
    """Move a question one place up or down the registration form."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    questions.move_question(questions.get_question(exchange, question_id), actor=current_user, up=direction == "up")
    return redirect(_questions_url(exchange_id))


# -- sessions and speakers -------------------------------------------------------------------------

@bp.route("/exchanges/<int:exchange_id>/sessions/new", methods=["GET", "POST"])
@login_required
def new_session(exchange_id: int):
    """Add a session (start and end in a chosen zone; prefilled by the assistant's start/zone/duration)."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    form = SessionForm()
    form.fill_choices(exchange)
    if request.method == "GET":
        _prefill_session(form, exchange)
    status = 200
    if form.validate_on_submit():
        try:
            services.add_session(exchange, actor=current_user, data=form.to_data())
        except DomainError as exc:
            _fold_labels(form, exc)
            status = form_error(form, exc)
        else:
            flash(_("The session is added."), "success")
            return redirect(url_for("exchanges.detail", exchange_id=exchange_id))
    elif form.is_submitted():
        status = 400
    return render_template("exchanges/session_form.html", form=form, exchange=exchange, session=None), status


def _prefill_session(form: SessionForm, exchange) -> None:
    form.timezone.data = request.args.get("zone") if is_zone(request.args.get("zone", "")) else exchange.timezone
    form.title.data = exchange.title
    start = _parse_local(request.args.get("start", ""))
    if start is not None:
        form.starts_local.data = start
        form.ends_local.data = start + timedelta(minutes=max(min(request.args.get("duration", 60, type=int) or 60, 720), 15))
        if request.args.get("fold") in ("0", "1"):
            form.start_fold.data = form.end_fold.data = request.args["fold"]


@bp.route("/exchanges/<int:exchange_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(exchange_id: int, session_id: int):
    """Edit a session; a new time is sent to everyone concerned (same calendar entry, updated)."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    session = services.get_session(exchange, session_id)
    form = SessionForm(obj=session if request.method == "GET" else None)
    form.fill_choices(exchange)
    if request.method == "GET":
        zone = get_zone(session.timezone)
        form.starts_local.data = session.starts_at.astimezone(zone).replace(tzinfo=None)
        form.ends_local.data = session.ends_at.astimezone(zone).replace(tzinfo=None)
        form.track_id.data = session.track_id or 0
        form.start_fold.data = str(session.starts_at.astimezone(zone).fold)
        form.end_fold.data = str(session.ends_at.astimezone(zone).fold)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_session(session, actor=current_user, data=form.to_data())
        except DomainError as exc:
            _fold_labels(form, exc)
            status = form_error(form, exc)
        else:
            flash(_("The session is saved."), "success")
            return redirect(url_for("exchanges.detail", exchange_id=exchange_id))
    elif form.is_submitted():
        status = 400
    return render_template("exchanges/session_form.html", form=form, exchange=exchange, session=session), status


@bp.route("/exchanges/<int:exchange_id>/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_session(exchange_id: int, session_id: int):
    """Cancel one session after confirming (with an optional reason for the emails)."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    session = services.get_session(exchange, session_id)
    form = ReasonConfirmForm()
    status = None
    if confirmed(form):
        try:
            services.cancel_session(session, actor=current_user, reason=form.reason.data or "")
        except Invalid as exc:
            status = form_error(form, exc)
        except DomainError as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("The session is cancelled and everyone concerned is told."), "success")
            return redirect(url_for("exchanges.detail", exchange_id=exchange_id))
    return confirm_page(
        form, title=_("Cancel the session “%(session)s”?", session=session.title),
        consequences=[_("Everyone registered and every speaker gets a cancellation in their calendar, by email."),
                      _("The reason, if you give one, is quoted in that email."),
                      _("The exchange and its other sessions go on. This cannot be undone.")],
        confirm_label=_("Cancel the session"), back=url_for("exchanges.detail", exchange_id=exchange_id) + f"#session-{session.id}",
        back_label=_("Keep it"), status=status)


@bp.route("/exchanges/<int:exchange_id>/sessions/<int:session_id>/speakers", methods=["POST"])
@login_required
def add_speaker(exchange_id: int, session_id: int):
    """Invite a speaker to a session with a role."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    session = services.get_session(exchange, session_id)
    form = speaker_form()
    try:
        if not form.validate_on_submit():
            raise Invalid(_("Choose a speaker and a role."))
        speaker = services.add_speaker(session, actor=current_user, user_id=form.user_id.data, role=form.role.data)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("%(name)s is on the session (%(status)s).", name=speaker.user.name, status=speaker.status), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id) + "#manage")


@bp.route("/exchanges/<int:exchange_id>/speakers/<int:speaker_id>/remove", methods=["GET", "POST"])
@login_required
def remove_speaker(exchange_id: int, speaker_id: int):
    """Take a speaker off a session, after confirming."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    speaker = next((sp for s in exchange.sessions for sp in s.speakers if sp.id == speaker_id), None)
    if speaker is None:
        raise NotFound(_("There is no such speaker."))
    form = ConfirmForm()
    if not confirmed(form):
        return confirm_page(
            form, title=_("Remove %(name)s from “%(session)s”?", name=speaker.user.name, session=speaker.session.title),
            consequences=[_("%(name)s is told by email, and the session leaves their calendar.", name=speaker.user.name),
                          _("To have them back, invite them again.")],
            confirm_label=_("Remove the speaker"),
            back=url_for("exchanges.detail", exchange_id=exchange_id) + f"#session-{speaker.session_id}")
    services.remove_speaker(speaker, actor=current_user)
    flash(_("%(name)s is no longer on the session and is told.", name=speaker.user.name), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id))
