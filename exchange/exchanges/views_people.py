"""Organizers' pages about an exchange's people: the registrations and their approval, the invitations (one
by one or from a CSV), and the exchange's team (add a co-organizer; remove one after a confirmation page).
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..common import permissions
from ..common.errors import DomainError, Invalid
from ..common.i18n import current_locale
from ..common.web import ConfirmForm, confirm_page, confirmed, form_error
from . import questions, registrations, services
from .blueprint import bp
from .forms import InviteesUploadForm, InviteForm, TeamMemberForm


@bp.route("/exchanges/<int:exchange_id>/registrations", endpoint="registrations")
@login_required
def registrations_page(exchange_id: int):
    """Organizers: every registration with its answers, pending ones first."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    rows = registrations.registrations_of(exchange, actor=current_user)
    return render_template("exchanges/registrations.html", exchange=exchange, rows=rows,
                           asked=questions.questions_of(exchange, archived=True),
                           answers={r.id: questions.answers_of(r) for r in rows},
                           counts=registrations.status_counts(exchange), seats_left=registrations.seats_left(exchange))


@bp.route("/exchanges/<int:exchange_id>/registrations.csv")
@login_required
def registrations_csv(exchange_id: int):
    """Organizers: the registrations list as CSV, one column per registration question."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    body = registrations.registrations_csv(exchange, actor=current_user, locale=current_locale())
    return Response("\ufeff" + body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="registrations-{exchange.id}.csv"'})


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
    """Invite everyone in the uploaded CSV; return the report (its errors are shown, nothing is written)."""
    content = upload.file.data.read().decode("utf-8", errors="replace")
    report = registrations.import_invitees(exchange, actor=current_user, content=content)
    if not report.errors:
        flash(_("%(created)d invited, %(updated)d updated.", created=report.created, updated=report.updated), "success")
    return report


# -- the team ---------------------------------------------------------------------------------------

def _team_anchor(exchange_id: int) -> str:
    return url_for("exchanges.detail", exchange_id=exchange_id) + "#team"


@bp.route("/exchanges/<int:exchange_id>/team", methods=["POST"])
@login_required
def add_team_member(exchange_id: int):
    """The team adds a co-organizer (an active organizer account); they are emailed the exchange's link."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    form = TeamMemberForm()
    form.fill_choices(exchange)
    try:
        if not form.validate_on_submit() or not form.user_id.data:
            raise Invalid(_("Choose an active organizer account from the list."))
        member = services.add_team_member(exchange, actor=current_user, user_id=form.user_id.data)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("%(name)s is on the team and has been emailed the link.", name=member.user.name), "success")
    return redirect(_team_anchor(exchange_id))


@bp.route("/exchanges/<int:exchange_id>/team/<int:user_id>/remove", methods=["GET", "POST"])
@login_required
def remove_team_member(exchange_id: int, user_id: int):
    """Take someone off the team after a confirmation page (no script needed); the last member stays."""
    exchange = services.get_managed_exchange(exchange_id, actor=current_user)
    member = services.get_team_member(exchange, user_id)
    form = ConfirmForm()
    leaving = member.user_id == current_user.id
    if not confirmed(form):
        name = member.user.name
        return confirm_page(
            form, title=_("Leave the team of “%(title)s”?", title=exchange.title) if leaving
            else _("Remove %(name)s from the team of “%(title)s”?", name=name, title=exchange.title),
            consequences=[_("You will no longer run this exchange or moderate its live rooms. Another member can add "
                            "you again.") if leaving else _("%(name)s will no longer run this exchange or moderate its "
                                                             "live rooms. You can add them again later.", name=name)],
            confirm_label=_("Leave the team") if leaving else _("Remove from the team"), back=_team_anchor(exchange_id),
            back_label=_("Keep things as they are"))
    name = member.user.name
    try:
        services.remove_team_member(exchange, actor=current_user, user_id=user_id)
    except DomainError as exc:
        flash(str(exc.message), "error")
        return redirect(_team_anchor(exchange_id))
    flash(_("%(name)s is no longer on the team.", name=name), "success")
    if permissions.can(current_user, "exchange.manage", exchange):
        return redirect(_team_anchor(exchange_id))
    if permissions.can(current_user, "exchange.view", exchange):  # they left the team themselves
        return redirect(url_for("exchanges.detail", exchange_id=exchange_id))
    return redirect(url_for("exchanges.index"))
