"""The pages behind an emailed link, where the link is the proof: a speaker's answer, and an invitation (sign up
and register in one step, or register when signed in).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.login import start_login_session
from ..common.errors import DomainError
from ..common.templating import known_zone
from ..common.web import form_error
from . import registrations, services
from .blueprint import bp, registered_message
from .forms import InvitationSignUpForm, registration_form


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


@bp.route("/exchanges/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The emailed invitation link: sign up and register in one step, or register when signed in."""
    invite = registrations.check_invitation(token, actor=current_user)
    if invite.used_at is not None:
        flash(_("You have already accepted this invitation."), "info")
        return redirect(url_for("exchanges.detail", exchange_id=invite.exchange_id))
    form = registration_form(invite.exchange, None if current_user.is_authenticated else InvitationSignUpForm)
    if request.method == "GET":
        form.city_id.data, form.stakeholder_group.data = invite.city_id or 0, invite.stakeholder_group
        if not current_user.is_authenticated:
            form.name.data = invite.name
            # The invitee's own zone when her browser told it (the `tz` cookie), else her city's.
            form.timezone.data = known_zone() or (invite.city.timezone if invite.city else "UTC")
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
    """Register the invited person (signing them up and in first when they have no account yet)."""
    if current_user.is_authenticated:
        registration = registrations.accept_invitation(token, actor=current_user, answers=form.answers())
    else:
        user, registration = registrations.sign_up_with_invitation(
            token, name=form.name.data, password=form.password.data, timezone=form.timezone.data,
            language=form.language.data, answers=form.answers())
        start_login_session(user, remember=False, first=True)
    flash(registered_message(registration.status), "success")
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id))
