"""Organizers' tools: the scheduling assistant (start times that suit people and cities), and the whole program's
import and export as JSON.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..common import permissions
from ..common.errors import DomainError
from ..common.templating import viewer_zone
from ..common.time import get_zone, is_zone, utcnow
from ..common.web import form_error, optional_id
from . import assistant as assistant_service
from . import program
from .blueprint import bp
from .forms import AssistantForm, ProgramUploadForm


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
    exchange_id = optional_id(form.exchange_id.data)
    return render_template("exchanges/assistant.html", form=form, plan=plan, exchange_id=exchange_id,
                           pick_url=_pick_url(exchange_id, form), series_burden=assistant_service.series_burden), status


def _assistant_defaults(form: AssistantForm) -> None:
    """Fill the first visit's form: the coming week, in the reader's zone, one hour, once."""
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
