"""Exchange pages: listing, the exchange page, organizer editing, registration, invitations, assistant, agenda."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.login import start_login_session
from ..common import permissions
from ..common.errors import DomainError, Invalid, NotFound
from ..common.templating import viewer_zone
from ..common.time import format_span, get_zone, is_zone, zone_label
from ..common.web import form_error
from . import assistant as assistant_service
from . import program, registrations, services
from .forms import (
    AssistantForm,
    CancelForm,
    ExchangeForm,
    InvitationSignUpForm,
    InviteesUploadForm,
    InviteForm,
    NewExchangeForm,
    ProgramUploadForm,
    RegistrationForm,
    SessionForm,
    SpeakerForm,
    TrackForm,
    language_name,
)
from .markdown import render_markdown
from .timeinfo import city_times, is_past

bp = Blueprint("exchanges", __name__)


# -- template helpers -------------------------------------------------------------------------------

def _locale() -> str:
    return str(get_locale() or "en")


@bp.app_template_filter("markdown")
def markdown_filter(source: str | None):
    return render_markdown(source)


@bp.app_template_global()
def time_span(starts_at, ends_at, zone: str | None = None) -> str:
    """Format a session's span for a zone (the reader's by default)."""
    return format_span(starts_at, ends_at, zone or viewer_zone(), _locale())


@bp.app_template_global()
def session_city_times(session) -> list[str]:
    """Return the session's local times in the cities involved."""
    return city_times(session.starts_at, session.ends_at, [(c.name, c.timezone) for c in session.exchange.cities],
                      _locale())


@bp.app_template_global()
def language_label(code: str) -> str:
    return language_name(code)


def _fold_labels(form, exc: DomainError) -> None:
    """When a local time happens twice, offer both instants as choices for the matching fold field."""
    if exc.details.get("reason") != "ambiguous":
        return
    target = form.start_fold if exc.field == "starts_local" else form.end_fold
    zone = form.timezone.data
    labels = []
    for n, iso in enumerate(exc.details["choices"]):
        instant = datetime.fromisoformat(iso)
        local = instant.astimezone(get_zone(zone)).strftime("%H:%M")
        which = _("before the clocks go back") if n == 0 else _("after the clocks go back")
        labels.append((str(n), f"{local} {zone_label(zone, instant, _locale())} — {which}"))
    target.choices = labels
    target.flags.shown = True


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


# -- listing and the exchange page ------------------------------------------------------------------

@bp.route("/exchanges/")
def index():
    """List upcoming (or past) exchanges with filters and search."""
    filters = services.ExchangeFilters(**{k: request.args.get(k, "").strip()[:100] for k in
                                          ("kind", "focus", "topic", "city", "language", "q")},
                                       when="past" if request.args.get("when") == "past" else "upcoming")
    page = services.list_exchanges(filters, actor=current_user, page=_page_number())
    return render_template("exchanges/index.html", page=page, filters=filters, focus_areas=services.focus_areas(),
                           cities=services.cities(), languages=services.LANGUAGES)


@bp.route("/exchanges/<int:exchange_id>")
def detail(exchange_id: int):
    """The exchange page: description, sessions in your zone and the exchange's, registration."""
    exchange = services.get_exchange(exchange_id, actor=current_user)
    form = RegistrationForm()
    form.fill_choices()
    form.city_id.data, form.stakeholder_group.data = registrations.usual_answers(current_user)
    return _render_detail(exchange, form)


def _render_detail(exchange, form, status: int = 200):
    managing = permissions.can(current_user, "exchange.manage", exchange)
    return render_template(
        "exchanges/detail.html", exchange=exchange, form=form, seats_left=registrations.seats_left(exchange),
        registration=registrations.registration_of(exchange, current_user), is_past=is_past(exchange),
        managing=managing, warnings=services.organizer_warnings(exchange, _locale()) if managing else [],
        counts=registrations.status_counts(exchange) if managing else None,
        speaker_form=_speaker_form() if managing else None, track_form=TrackForm() if managing else None,
        participant_ids=services.participant_ids(exchange) if managing else [],
        invited=registrations.is_invited(exchange, current_user)), status


def _speaker_form() -> SpeakerForm:
    form = SpeakerForm()
    form.fill_choices()
    return form


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


# -- registration -----------------------------------------------------------------------------------

@bp.route("/exchanges/<int:exchange_id>/register", methods=["POST"])
@login_required
def register(exchange_id: int):
    """Register (or join the waitlist, or ask for approval)."""
    exchange = services.get_exchange(exchange_id, actor=current_user)
    form = RegistrationForm()
    form.fill_choices()
    if not form.validate_on_submit():
        return _render_detail(exchange, form, 400)
    try:
        registration = registrations.register(exchange, actor=current_user, answers=form.answers())
    except DomainError as exc:
        return _render_detail(exchange, form, form_error(form, exc))
    flash(_registered_message(registration.status), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id))


def _registered_message(status: str) -> str:
    return {"registered": _("You are registered. A confirmation with a calendar invite is on its way."),
            "waitlisted": _("The exchange is full, so you are on the waitlist. We will email you if a seat opens."),
            "pending": _("Your registration waits for an organizer's approval. We will email you.")}.get(status, "")


@bp.route("/exchanges/<int:exchange_id>/unregister", methods=["POST"])
@login_required
def unregister(exchange_id: int):
    """Cancel my registration (or leave the waitlist)."""
    exchange = services.get_exchange(exchange_id, actor=current_user)
    try:
        registrations.cancel_registration(exchange, actor=current_user)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id))


@bp.route("/exchanges/<int:exchange_id>/registrations", endpoint="registrations")
@login_required
def registrations_page(exchange_id: int):
    """Organizers: every registration with its answers, pending ones first."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    return render_template("exchanges/registrations.html", exchange=exchange,
                           rows=registrations.registrations_of(exchange, actor=current_user),
                           counts=registrations.status_counts(exchange), seats_left=registrations.seats_left(exchange))


@bp.route("/exchanges/<int:exchange_id>/registrations/<int:registration_id>/<any(approve, decline):decision>",
          methods=["POST"])
@login_required
def decide_registration(exchange_id: int, registration_id: int, decision: str):
    """Organizers approve or decline a pending registration."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    registration = registrations.get_registration(exchange, registration_id)
    action = registrations.approve_registration if decision == "approve" else registrations.decline_registration
    try:
        action(registration, actor=current_user)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Decision saved; %(name)s is told by email.", name=registration.user.name), "success")
    return redirect(url_for("exchanges.registrations", exchange_id=exchange_id))


# -- organizers: exchanges --------------------------------------------------------------------------

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
    if args.get("peer_request", "").isdigit():  # experts.services.exchange_prefill(): noted, not linked
        description = (description + "\n\n" + _("Arranged from peer request #%(id)s.", id=args["peer_request"])).strip()
    form.description.data = description
    form.topics.data = services.topic_ids([s.strip() for s in args.get("topics", "").split(",") if s.strip()])
    for key, field in (("speaker", form.speaker_id), ("invitee", form.invitee_id)):
        person = services.user_by_id(_int(args.get(key)))
        if person is not None:
            field.data, shown[key] = str(person.id), person
    zone = args.get("zone", "")
    if is_zone(zone):
        form.timezone.data = zone
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
                speaker_id=_int(form.speaker_id.data), invitee_id=_int(form.invitee_id.data),
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
    found = {key: services.user_by_id(_int(field.data)) for key, field in (("speaker", form.speaker_id),
                                                                             ("invitee", form.invitee_id))}
    return {key: person for key, person in found.items() if person is not None}


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


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
    """Cancel an exchange after confirming; everyone concerned is emailed a calendar cancellation."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    form = CancelForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.cancel_exchange(exchange, actor=current_user, reason=form.reason.data or "")
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            flash(_("The exchange is cancelled and everyone concerned is told."), "success")
            return redirect(url_for("exchanges.detail", exchange_id=exchange_id))
    return render_template("exchanges/cancel.html", form=form, exchange=exchange), status


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


# -- organizers: sessions and speakers --------------------------------------------------------------

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


@bp.route("/exchanges/<int:exchange_id>/sessions/<int:session_id>/cancel", methods=["POST"])
@login_required
def cancel_session(exchange_id: int, session_id: int):
    """Cancel one session."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    try:
        services.cancel_session(services.get_session(exchange, session_id), actor=current_user)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The session is cancelled and everyone concerned is told."), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id))


@bp.route("/exchanges/<int:exchange_id>/sessions/<int:session_id>/speakers", methods=["POST"])
@login_required
def add_speaker(exchange_id: int, session_id: int):
    """Invite a speaker to a session with a role."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    session = services.get_session(exchange, session_id)
    form = _speaker_form()
    try:
        if not form.validate_on_submit():
            raise Invalid(_("Choose a speaker and a role."))
        speaker = services.add_speaker(session, actor=current_user, user_id=form.user_id.data, role=form.role.data)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("%(name)s is on the session (%(status)s).", name=speaker.user.name, status=speaker.status), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id) + "#manage")


@bp.route("/exchanges/<int:exchange_id>/speakers/<int:speaker_id>/remove", methods=["POST"])
@login_required
def remove_speaker(exchange_id: int, speaker_id: int):
    """Take a speaker off a session."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    speaker = next((sp for s in exchange.sessions for sp in s.speakers if sp.id == speaker_id), None)
    if speaker is None:
        raise NotFound(_("There is no such speaker."))
    services.remove_speaker(speaker, actor=current_user)
    flash(_("%(name)s is no longer on the session and is told.", name=speaker.user.name), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id))


@bp.route("/exchanges/speaking/<token>", methods=["GET", "POST"])
def speaking(token: str):
    """A speaker accepts or declines through the emailed link (no login needed: the link is the proof)."""
    speaker = services.get_speaker_by_token(token)
    if request.method == "POST":
        try:
            speaker = services.respond_as_speaker(token, accept=request.form.get("answer") == "accept")
        except DomainError as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("Thank you: your answer is saved.") if speaker.status == "accepted"
                  else _("Thank you for letting us know; you are off this session."), "success")
            return redirect(url_for("exchanges.speaking", token=token))
    return render_template("exchanges/speaking.html", speaker=speaker, session=speaker.session,
                           exchange=speaker.session.exchange, zone=speaker.user.timezone)


# -- invitations ------------------------------------------------------------------------------------

@bp.route("/exchanges/<int:exchange_id>/invitations", methods=["GET", "POST"])
@login_required
def invitations(exchange_id: int):
    """Organizers invite people one by one or from a CSV (name, email, city, stakeholder_group)."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    form, upload, status, report = InviteForm(prefix="one"), InviteesUploadForm(prefix="csv"), 200, None
    form.fill_choices()
    if form.submit.data and form.validate_on_submit():
        try:
            registrations.invite(exchange, actor=current_user, email=form.email.data, name=form.name.data or "",
                                 city_id=form.city_id.data or None, stakeholder_group=form.stakeholder_group.data or "")
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            flash(_("Invitation saved for %(email)s.", email=form.email.data), "success")
            return redirect(url_for("exchanges.invitations", exchange_id=exchange_id))
    elif upload.submit.data and upload.validate_on_submit():
        report = _import_invitees(exchange, upload)
        if not report.errors:
            return redirect(url_for("exchanges.invitations", exchange_id=exchange_id))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("exchanges/invitations.html", exchange=exchange, form=form, upload=upload, report=report,
                           rows=registrations.invitations_of(exchange, actor=current_user)), status


def _import_invitees(exchange, upload):
    content = upload.file.data.read().decode("utf-8", errors="replace")
    report = registrations.import_invitees(exchange, actor=current_user, content=content)
    if not report.errors:
        flash(_("%(created)d invited, %(updated)d updated.", created=report.created, updated=report.updated), "success")
    return report


@bp.route("/exchanges/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The emailed invitation link: sign up and register in one step, or register when signed in."""
    invite = registrations.check_invitation(token, actor=current_user)
    if invite.used_at is not None:
        flash(_("You have already accepted this invitation."), "info")
        return redirect(url_for("exchanges.detail", exchange_id=invite.exchange_id))
    form = RegistrationForm() if current_user.is_authenticated else InvitationSignUpForm()
    form.fill_choices()
    if request.method == "GET":
        form.city_id.data, form.stakeholder_group.data = invite.city_id or 0, invite.stakeholder_group
        if not current_user.is_authenticated:
            form.name.data = invite.name
            form.timezone.data = invite.city.timezone if invite.city else "UTC"
    status = 200
    if form.validate_on_submit():
        try:
            return _accept(token, form, invite.exchange_id)
        except DomainError as exc:
            status = form_error(form, exc)
    elif form.is_submitted():
        status = 400
    account_exists = not current_user.is_authenticated and registrations.account_exists(invite.email)
    return render_template("exchanges/invitation.html", invite=invite, exchange=invite.exchange, form=form,
                           account_exists=account_exists), status


def _accept(token: str, form, exchange_id: int):
    if current_user.is_authenticated:
        registration = registrations.accept_invitation(token, actor=current_user, answers=form.answers())
    else:
        user, registration = registrations.sign_up_with_invitation(
            token, name=form.name.data, password=form.password.data, timezone=form.timezone.data,
            language=form.language.data, answers=form.answers())
        start_login_session(user, remember=False)
    flash(_registered_message(registration.status), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id))


# -- the scheduling assistant -----------------------------------------------------------------------

@bp.route("/exchanges/assistant")
@login_required
def assistant():
    """Propose start times for people and cities; a table of hours by days; pick a slot into a form."""
    permissions.require(current_user, "assistant.use")
    form = AssistantForm(request.args)
    form.fill_choices(assistant_service.people_choices())
    submitted = "date_from" in request.args
    if not submitted:
        _assistant_defaults(form)
    plan, status = None, 200
    if submitted and form.validate():
        try:
            plan = assistant_service.make_plan(
                user_ids=form.people.data or [], city_ids=form.cities.data or [], minutes=form.duration.data,
                first_day=form.date_from.data, last_day=form.date_to.data, zone=form.zone.data,
                occurrences=form.occurrences.data or 1)
        except DomainError as exc:
            status = form_error(form, exc)
    elif submitted:
        status = 400
    exchange_id = _int(form.exchange_id.data)
    return render_template("exchanges/assistant.html", form=form, plan=plan, exchange_id=exchange_id,
                           pick_url=_pick_url(exchange_id, form)), status


def _assistant_defaults(form: AssistantForm) -> None:
    from ..common.time import utcnow

    today = utcnow().astimezone(get_zone(viewer_zone())).date()
    form.date_from.data, form.date_to.data = today + timedelta(days=1), today + timedelta(days=7)
    form.zone.data = viewer_zone()
    form.duration.data = form.duration.data or 60
    form.occurrences.data = form.occurrences.data or 1


def _pick_url(exchange_id: int | None, form: AssistantForm):
    """Return a function giving the form link that takes a slot (wall time in the shown zone, with its fold)."""
    zone = form.zone.data if is_zone(form.zone.data or "") else "UTC"

    def url(start) -> str:
        local = start.astimezone(get_zone(zone))
        args = {"start": local.strftime("%Y-%m-%dT%H:%M"), "zone": zone, "duration": form.duration.data or 60,
                "fold": local.fold}
        if exchange_id:
            return url_for("exchanges.new_session", exchange_id=exchange_id, **args)
        return url_for("exchanges.new", **args)

    return url


# -- program import and export ----------------------------------------------------------------------

@bp.route("/exchanges/import", methods=["GET", "POST"])
@login_required
def import_program():
    """Organizers load a program file (JSON); nothing is written when any row is bad."""
    permissions.require(current_user, "program.import")
    form, report, status = ProgramUploadForm(), None, 200
    if form.validate_on_submit():
        text = form.file.data.read().decode("utf-8", errors="replace")
        report = program.import_program(text, actor=current_user)
        if report.ok:
            flash(_("Program imported: %(ec)d exchanges created, %(eu)d updated; %(sc)d sessions created, %(su)d updated.",
                    ec=report.exchanges_created, eu=report.exchanges_updated, sc=report.sessions_created,
                    su=report.sessions_updated), "success")
            return redirect(url_for("exchanges.index"))
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template("exchanges/import.html", form=form, report=report), status


@bp.route("/exchanges/export.json")
@login_required
def export_program():
    """Download the whole program in the import format."""
    document = program.export_program(actor=current_user)
    return Response(program.dumps(document), mimetype="application/json",
                    headers={"Content-Disposition": "attachment; filename=program.json"})
