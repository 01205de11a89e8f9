"""Reports, surveys, follow-ups and the library: thin views over the services."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..common.errors import Conflict, DomainError
from ..common.web import form_error, optional_id
from . import followups, library, search, services, surveys
from .forms import AssignForm, FollowUpAnswerForm, NoteForm, SelfDescriptionForm, SurveyForm
from .tables import to_csv

bp = Blueprint("reports", __name__)


@bp.app_template_global()
def session_follow_ups(session_id: int):
    """Answered follow-ups of a session, for its summary page."""
    return followups.answered_follow_ups(session_id)


def _report(exchange_id: int | None):
    if exchange_id is None:
        return services.program_report(actor=current_user)[0]
    return services.exchange_report(exchange_id, actor=current_user)


@bp.route("/reports/")
@login_required
def index():
    """Show the program-wide dashboard and the exchanges to open."""
    report, exchanges = services.program_report(actor=current_user)
    return render_template("reports/dashboard.html", report=report, exchanges=exchanges, scope={})


@bp.route("/reports/exchanges/<int:exchange_id>")
@login_required
def exchange(exchange_id: int):
    """Show one exchange's dashboard."""
    report = services.exchange_report(exchange_id, actor=current_user)
    return render_template("reports/dashboard.html", report=report, exchanges=[], scope={"exchange_id": exchange_id})


@bp.route("/reports/program/<key>.<any(csv, svg):fmt>", defaults={"exchange_id": None})
@bp.route("/reports/exchanges/<int:exchange_id>/<key>.<any(csv, svg):fmt>")
@login_required
def download(exchange_id: int | None, key: str, fmt: str):
    """Download one table as CSV, or its chart as SVG (small groups suppressed in both)."""
    table = _report(exchange_id).table(key)
    name = f"{'program' if exchange_id is None else f'exchange-{exchange_id}'}-{key}.{fmt}"
    if fmt == "csv":
        body = to_csv(table, first_column=_("Group"), total_label=_("Total"), fewer=_("fewer than 5"))
        mimetype = "text/csv; charset=utf-8"
    else:
        body = render_template("reports/chart.svg", table=table, chart_id=key, standalone=True)
        mimetype = "image/svg+xml"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/reports/follow-ups")
@login_required
def follow_ups():
    """List follow-ups with a form to assign each open one to an expert (organizers)."""
    items = followups.list_follow_ups(actor=current_user)
    form = AssignForm()
    form.expert.choices = followups.expert_choices()
    return render_template("reports/follow_ups.html", items=items, form=form)


@bp.route("/reports/follow-ups/<int:follow_up_id>/assign", methods=["POST"])
@login_required
def assign(follow_up_id: int):
    """Assign a follow-up to an expert (organizers)."""
    follow_up = followups.get_follow_up(follow_up_id, actor=current_user, action="followup.assign")
    form = AssignForm()
    form.expert.choices = followups.expert_choices()
    if not form.validate_on_submit():
        flash(_("Choose an approved expert."), "error")
    else:
        try:
            followups.assign_follow_up(follow_up, actor=current_user, expert_id=form.expert.data)
            flash(_("The follow-up is assigned; the expert has been emailed."), "success")
        except DomainError as exc:
            flash(str(exc.message), "error")
    return redirect(url_for(".follow_ups", _anchor=f"f{follow_up_id}"))


@bp.route("/follow-ups/")
@login_required
def my_follow_ups():
    """List the follow-ups assigned to me (experts)."""
    return render_template("reports/my_follow_ups.html", items=followups.my_follow_ups(actor=current_user))


@bp.route("/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
@login_required
def answer_follow_up(follow_up_id: int):
    """Answer a follow-up in writing (the assigned expert, or an organizer)."""
    follow_up = followups.get_follow_up(follow_up_id, actor=current_user, action="followup.answer")
    form = FollowUpAnswerForm(data={"answer": follow_up.answer})
    status = 200
    if form.validate_on_submit():
        try:
            followups.answer_follow_up(follow_up, actor=current_user, answer=form.answer.data)
            flash(_("Your answer is saved and the person who asked has been told."), "success")
            return redirect(url_for(".my_follow_ups"))
        except DomainError as exc:
            status = form_error(form, exc)
    return render_template("reports/answer_follow_up.html", follow_up=follow_up, form=form), status


@bp.route("/surveys/<token>", methods=["GET", "POST"])
def survey(token: str):
    """Answer a session's survey from the emailed link (no login needed; once)."""
    try:
        link = surveys.open_survey(token)
    except Conflict as exc:
        return render_template("reports/survey_done.html", message=exc.message), 409
    form = SurveyForm()
    status = 200
    if form.validate_on_submit():
        try:
            surveys.answer_survey(token, rating=form.rating.data, will_apply=form.will_apply.data,
                                  to_change=form.to_change.data, anonymous=form.anonymous.data)
            return render_template("reports/survey_done.html", message=_("Thank you! Your answers are saved."))
        except DomainError as exc:
            status = form_error(form, exc)
    elif request.method == "POST":
        status = 400
    return render_template("reports/survey.html", link=link, form=form), status


@bp.route("/about-you", methods=["GET", "POST"])
@login_required
def about_you():
    """Let a person describe their gender and group identity, optionally (only ever counted)."""
    current = services.self_description(actor=current_user)
    form = SelfDescriptionForm(data={"gender": current.gender, "group_identity": current.group_identity})
    if form.validate_on_submit():
        services.describe_self(actor=current_user, gender=form.gender.data or "",
                               group_identity=form.group_identity.data or "")
        flash(_("Thank you. Your answers are saved."), "success")
        return redirect(url_for(".about_you"))
    return render_template("reports/about_you.html", form=form)


@bp.route("/library/")
def library_index():
    """List the published outcome notes, filtered by focus area, city and topic; `q` searches their words and the
    public answers (reports/search.py)."""
    args = {k: request.args.get(k, "")[:80] for k in ("focus_area", "city", "topic")}
    q = request.args.get("q", "").strip()[:search.MAX_QUERY]
    hits = search.search_library(q, args, viewer=current_user) if q else None
    return render_template("reports/library.html", lib=library.library(actor=current_user, **args), args=args,
                           q=q, hits=hits)


@bp.route("/library/<int:note_id>")
def note(note_id: int):
    """Show one outcome note."""
    return render_template("reports/note.html", note=library.get_note(note_id, actor=current_user))


def _note_input(form: NoteForm) -> library.NoteInput:
    return library.NoteInput(**{name: form[name].data for name in (
        "exchange_id", "title", "challenge", "practice", "lessons", "next_steps", "status")},
        media=form.media_links.data or "",
        **{name: tuple(form[name].data or ()) for name in ("city_ids", "expert_ids", "focus_area_ids", "topic_ids")})


@bp.route("/library/new", methods=["GET", "POST"])
@bp.route("/library/<int:note_id>/edit", methods=["GET", "POST"])
@login_required
def edit_note(note_id: int | None = None):
    """Write or change an outcome note (organizers)."""
    note = library.get_note(note_id, actor=current_user) if note_id else None
    library.require_manage(actor=current_user, note=note)
    form = NoteForm(obj=note, data=library.note_form_data(note, request.args.get("exchange", type=optional_id)))
    form.fill_choices(library.note_choices())
    status = 200
    if form.validate_on_submit():
        try:
            saved = (library.update_note(note, _note_input(form), actor=current_user) if note
                     else library.create_note(_note_input(form), actor=current_user))
            flash(_("The note is saved."), "success")
            return redirect(url_for(".note", note_id=saved.id))
        except DomainError as exc:
            status = form_error(form, exc)
    elif request.method == "POST":
        status = 400
    return render_template("reports/note_form.html", form=form, note=note), status
