"""Account pages: sign up, log in and out, password reset, profile."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..common.errors import DomainError, NotFound
from ..common.templating import known_zone
from ..common.web import form_error, safe_next
from ..extensions import limiter
from . import privacy, services
from .forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmEmailForm,
    DeleteAccountForm,
    LoginForm,
    LogoutEverywhereForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignUpForm,
)
from .login import start_login_session

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.app_context_processor
def _delete_account_form():
    return {"delete_account_form": lambda: DeleteAccountForm(prefix="del")}


@bp.before_app_request
def enforce_session_timeouts():
    """End a login session after it sat idle too long, or after its absolute lifetime."""
    if "_user_id" not in session:
        return None
    config = current_app.config
    now = int(time.time())
    started, seen = session.setdefault("_started", now), session.setdefault("_seen", now)
    # "Remember me" asked to stay logged in on this device: no idle limit, the remember cookie's lifetime.
    remembered = session.get("_remembered") or "_remember_seconds" in session
    absolute = config["REMEMBER_COOKIE_DURATION"] if remembered else config["SESSION_ABSOLUTE_SECONDS"]
    if (not remembered and now - seen > config["SESSION_IDLE_SECONDS"]) or now - started > absolute:
        logout_user()
        session.clear()
        flash(_("Your session expired. Please log in again."), "info")
        return None
    if now - seen >= 60:  # refresh at most once a minute, not on every request
        session["_seen"] = now
    return None


def _submitted_email() -> str:
    """Rate-limit key: the account a request is aimed at, whatever address it comes from."""
    return "email:" + services.normalize_email(request.form.get("email", ""))


def _client_address() -> str:
    """The client's address (the proxy's `X-Forwarded-For` when `TRUSTED_PROXIES` says to trust it)."""
    return request.remote_addr or "unknown"


def _signed_in_account() -> str:
    """Rate-limit key: the signed-in account, whatever address it comes from."""
    return f"user:{getattr(current_user, 'id', 'anonymous')}"


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def signup():
    """Start an official's account; the answer is the same whether the address already has an account or not."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignUpForm()
    status = 200
    if request.method == "GET":
        form.language.data = form.language.data or _best_language()
        form.timezone.data = known_zone() or form.timezone.data  # the visitor's zone, when her browser told it
        # A fresh form: let the browser's own zone replace the UTC default (static/js/app.js).
        form.timezone.render_kw = {**(form.timezone.render_kw or {}), "data-detect-zone": "1"}
    if form.validate_on_submit():
        try:
            services.sign_up(email=form.email.data, name=form.name.data, password=form.password.data,
                             timezone=form.timezone.data, language=form.language.data)
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            # Not logged in here: a new address and a taken one must get the very same answer.
            return render_template("accounts/signup_sent.html", email=services.normalize_email(form.email.data))
    elif form.is_submitted():
        status = 400
    return render_template("accounts/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
# Against guessing many accounts from one address; one account is guarded per (account, address) pair by
# `services.authenticate` (growing waits), so nobody elsewhere can lock its owner out.
@limiter.limit("30 per minute", methods=["POST"])
@limiter.limit("200 per hour", methods=["POST"])
def login():
    """Log in with email and password."""
    form = LoginForm()
    status = 200
    headers = {}
    if form.validate_on_submit():
        try:  # a first login (read before authenticate records this one); says nothing about unknown addresses
            first = services.get_user_by_email(form.email.data or "").last_login_at is None
        except NotFound:
            first = False
        try:
            user = services.authenticate(email=form.email.data, password=form.password.data,
                                         address=_client_address())
        except DomainError as exc:
            status = form_error(form, exc)
            if exc.details.get("retry_after"):
                headers["Retry-After"] = str(exc.details["retry_after"])
        else:
            start_login_session(user, remember=bool(form.remember.data), first=first)
            flash(_("You are logged in."), "success")
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    elif form.is_submitted():
        status = 400
    return render_template("accounts/login.html", form=form), status, headers


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST with a CSRF token, so no other site can log you out): the login ends on the server, so a
    copy of its cookies stops working, and its live sockets close."""
    login_id = current_user.login_id if current_user.is_authenticated else None
    logout_user()
    session.clear()
    services.end_login(login_id=login_id)
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/logout/everywhere", methods=["GET", "POST"])
@login_required
def logout_everywhere():
    """Log out on every browser and device, this one too. GET asks first (a page with the button: no script
    needed); POST (CSRF checked app-wide) does it: every login ends and every live connection closes."""
    form = LogoutEverywhereForm()
    if request.method == "POST" and form.validate_on_submit():
        services.end_all_logins(current_user._get_current_object(), actor=current_user)
        logout_user()
        session.clear()
        flash(_("You are logged out on every browser and device."), "success")
        return redirect(url_for("main.home"))
    return render_template("accounts/logout_everywhere.html", form=form,
                           logins=services.active_logins(current_user)), 400 if form.is_submitted() else 200


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", key_func=_submitted_email, methods=["POST"])
def request_reset():
    """Ask for a password-reset link; the answer is the same whether the account exists or not."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data)
        flash(_("If an account uses that address, a reset link is on its way. It works once and expires."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password through an emailed one-time link."""
    try:
        services.check_reset_token(token)
    except DomainError as exc:
        flash(str(exc.message), "error")
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.reset_password(token=token, new_password=form.password.data)
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            logout_user()
            flash(_("Your password is changed. Log in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    elif form.is_submitted():
        status = 400
    return render_template("accounts/reset_password.html", form=form), status


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """Prove an email address through its one-time link (GET shows a button, so a mail scanner that fetches
    links does not use it up)."""
    try:
        services.check_verification_token(token)
        if request.method == "POST":  # the app-wide CSRF check has passed
            user = services.verify_email(token=token)
    except DomainError as exc:
        flash(str(exc.message), "error")
        return render_template("accounts/verify_invalid.html"), 400
    if request.method == "GET":
        return render_template("accounts/verify_email.html", form=ConfirmEmailForm())
    flash(_("Your email address %(email)s is confirmed.", email=user.email), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("main.home"))
    return redirect(url_for("accounts.login"))


@bp.route("/verify", methods=["POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("3 per hour", key_func=_signed_in_account, methods=["POST"])
def resend_verification():
    """Send a fresh link that proves my own address (the banner's button; the app-wide CSRF check applies)."""
    try:
        services.resend_verification(current_user, actor=current_user)
    except DomainError as exc:
        flash(str(exc.message), "info")
    else:
        flash(_("A new confirmation link is on its way to %(email)s.", email=current_user.email), "success")
    return redirect(safe_next(request.form.get("next"), url_for("main.home")))


def _profile_page(*, form=None, password_form=None, email_form=None, delete_form=None) -> str:
    """The profile page with its forms (the one that was sent, with its errors) and the number of live logins."""
    return render_template("accounts/profile.html", form=form or ProfileForm(obj=current_user),
                           password_form=password_form or ChangePasswordForm(prefix="pw"),
                           email_form=email_form or ChangeEmailForm(prefix="em"), delete_form=delete_form,
                           logins=services.active_logins(current_user))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Show and edit name, time zone and language."""
    form = ProfileForm(obj=current_user)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, actor=current_user, name=form.name.data,
                                    timezone=form.timezone.data, language=form.language.data)
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    elif form.is_submitted():
        status = 400
    return _profile_page(form=form), status


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    """Change the password; other devices are logged out."""
    form = ChangePasswordForm(prefix="pw")
    status = 400
    if form.validate_on_submit():
        try:
            user = services.change_password(current_user, actor=current_user, current_password=form.current_password.data,
                                            new_password=form.password.data)
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            # Every login ended with the old password, this one too (a copy of its cookie with it); stay logged
            # in here with a fresh login.
            start_login_session(user, remember=bool(session.get("_remembered")))
            flash(_("Your password is changed. Other devices are logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return _profile_page(password_form=form), status


@bp.route("/profile/email", methods=["POST"])
@login_required
def change_email():
    """Change the sign-in email address."""
    form = ChangeEmailForm(prefix="em")
    status = 400
    if form.validate_on_submit():
        try:
            services.change_email(current_user, actor=current_user, password=form.password.data, new_email=form.email.data)
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            flash(_("We sent a message to %(email)s. Your sign-in address changes only when you open the link in it.",
                    email=services.normalize_email(form.email.data)), "success")
            return redirect(url_for("accounts.profile"))
    return _profile_page(email_form=form), status


def _best_language() -> str:
    from flask import current_app

    return session.get("lang") or request.accept_languages.best_match(list(current_app.config["LANGUAGES"])) or "en"


@bp.route("/profile/data.json")
@login_required
def download_data():
    """Download everything stored about me, as a JSON file."""
    response = jsonify(privacy.export_personal_data(current_user._get_current_object(), actor=current_user))
    response.headers["Content-Disposition"] = 'attachment; filename="peer-exchange-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile/delete", methods=["POST"])
@login_required
def delete_account():
    """Delete my account (password confirmed): my places and messages stay, without my name."""
    form = DeleteAccountForm(prefix="del")
    if form.validate_on_submit():
        try:
            privacy.delete_account(current_user._get_current_object(), actor=current_user, password=form.password.data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            logout_user()
            session.clear()
            flash(_("Your account is deleted."), "success")
            return redirect(url_for("main.home"))
    return _profile_page(delete_form=form), 400
