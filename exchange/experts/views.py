"""Pages for peer experts (/experts), officials (/officials), cities (/cities) and peer requests (/requests)."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..common import permissions
from ..common.errors import DomainError
from ..common.i18n import sort_key, translated
from ..common.templating import viewer_zone
from ..common.web import ConfirmForm, confirm_page, confirmed, form_error, optional_id, page_number
from ..reports import library
from . import services, vocab
from .forms import (
    ChallengeForm,
    CityForm,
    DecisionForm,
    DirectoryForm,
    ExpertApplicationForm,
    OfficialProfileForm,
    RespondForm,
    SendForm,
    application_form_data,
)

bp = Blueprint("experts", __name__)


# Globals rather than a context processor, so that imported macros and emails see them too.
bp.add_app_template_global(vocab, "vocab")
bp.add_app_template_global(vocab.language_name, "language_name")
bp.add_app_template_global(services.get_own_profile, "own_expert_profile")  # the account page's role line


def _render_form(template: str, form, status: int, **context):
    return render_template(template, form=form, **context), status


def _status(form) -> int:
    return 400 if form.is_submitted() else 200


# -- expert application ---------------------------------------------------------------------------

@bp.route("/experts/apply", methods=["GET", "POST"])
@login_required
def apply():
    """Apply as a peer expert (or apply again after a rejection or withdrawal)."""
    profile = services.get_own_profile(current_user)
    if profile is not None and profile.status not in ("rejected", "withdrawn"):
        return redirect(url_for("experts.my_application"))
    form = ExpertApplicationForm(data=application_form_data(profile) if profile and request.method == "GET" else None)
    if request.method == "GET" and profile is None:
        form.timezone.data = current_user.timezone
    if form.validate_on_submit():
        try:
            services.apply_as_expert(current_user, actor=current_user, data=form.to_application())
        except DomainError as exc:
            return _render_form("experts/apply.html", form, form_error(form, exc), areas=services.focus_area_tree())
        flash(_("Thank you. Your application is waiting for review; we will email you the decision."), "success")
        return redirect(url_for("experts.my_application"))
    return _render_form("experts/apply.html", form, _status(form), areas=services.focus_area_tree())


@bp.route("/experts/me")
@login_required
def my_application():
    """Show the person's own application: status, the reviewers' decisions, edit and withdraw."""
    profile = services.get_own_profile(current_user)
    if profile is None:
        return redirect(url_for("experts.apply"))
    return render_template("experts/me.html", profile=profile, decisions=services.decisions_of(profile))


@bp.route("/experts/me/edit", methods=["GET", "POST"])
@login_required
def edit_application():
    """Edit one's own expert profile."""
    profile = services.get_own_profile(current_user)
    if profile is None or profile.status in ("rejected", "withdrawn"):
        return redirect(url_for("experts.apply"))  # a closed application is reopened by applying again
    form = ExpertApplicationForm(data=application_form_data(profile) if request.method == "GET" else None)
    form.submit.label.text = _("Save changes")
    if form.validate_on_submit():
        try:
            services.update_expert_profile(profile, actor=current_user, data=form.to_application())
        except DomainError as exc:
            return _render_form("experts/apply.html", form, form_error(form, exc), areas=services.focus_area_tree(),
                                profile=profile)
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("experts.my_application"))
    return _render_form("experts/apply.html", form, _status(form), areas=services.focus_area_tree(), profile=profile)


@bp.route("/experts/me/withdraw", methods=["GET", "POST"])
@login_required
def withdraw():
    """Withdraw from the program, after confirming."""
    profile = services.get_own_profile(current_user)
    if profile is None or profile.status == "withdrawn":
        return redirect(url_for("experts.my_application"))
    form = ConfirmForm()
    if not confirmed(form):
        return confirm_page(
            form, title=_("Withdraw from the program?"),
            consequences=[_("Your profile leaves the directory at once."),
                          _("Requests still waiting for your answer are declined, and the officials are told."),
                          _("To come back, you apply again and wait for a new review.")],
            confirm_label=_("Withdraw from the program"), back=url_for("experts.my_application"))
    services.withdraw_expert_profile(profile, actor=current_user)
    flash(_("You have withdrawn. Your profile is no longer listed."), "success")
    return redirect(url_for("experts.my_application"))


# -- review ---------------------------------------------------------------------------------------

@bp.route("/experts/review")
@login_required
def review_queue():
    """The organizers' queue of applications and edits."""
    return render_template("experts/review_queue.html", queue=services.review_queue(actor=current_user))


@bp.route("/experts/review/<int:expert_id>", methods=["GET", "POST"])
@login_required
def review(expert_id: int):
    """One application with its history; approve, ask for changes, or reject."""
    profile, decisions = services.get_application(expert_id, actor=current_user)
    form = DecisionForm()
    status = _status(form)
    if form.validate_on_submit():
        try:
            services.decide_application(profile, actor=current_user, decision=request.form.get("decision", ""),
                                        reason=form.reason.data)
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            flash(_("Decision recorded; %(name)s has been emailed.", name=profile.user.name), "success")
            return redirect(url_for("experts.review_queue"))
    return render_template("experts/review.html", profile=profile, decisions=decisions, form=form), status


# -- directory and expert pages -------------------------------------------------------------------

@bp.route("/experts/")
def directory():
    """Search approved peer experts."""
    form = DirectoryForm(request.args)
    areas = services.focus_area_tree()
    query = services.DirectoryQuery(
        words=form.q.data or "", focus_area=form.focus_area.data or "", topic=form.topic.data or "",
        language=form.language.data or "", state=form.state.data or "", available=bool(form.available.data),
        sort=form.sort.data or "name", page=request.args.get("page", 1, type=page_number))
    try:
        page = services.search_experts(query, viewer_zone=viewer_zone())
    except DomainError as exc:
        flash(str(exc.message), "error")
        return render_template("experts/directory.html", form=form, areas=areas, page=None), 400
    return render_template("experts/directory.html", form=form, areas=areas, page=page)


@bp.route("/experts/<int:expert_id>")
def expert(expert_id: int):
    """An expert's public page (pending, rejected and withdrawn profiles are not found by others)."""
    profile = services.get_expert(expert_id, viewer=current_user)
    return render_template("experts/expert.html", profile=profile,
                           local_windows=services.availability_for_viewer(profile, viewer_zone()))


@bp.route("/experts/<int:expert_id>/photo")
def photo(expert_id: int):
    """The expert's photo, as re-encoded at upload (never a file path)."""
    response = make_response(services.expert_photo(expert_id, viewer=current_user))
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# -- officials ------------------------------------------------------------------------------------

@bp.route("/officials/profile", methods=["GET", "POST"])
@login_required
def official_profile():
    """Create or edit one's official profile (city, organization, role, stakeholder group, languages)."""
    profile = services.get_official_profile(current_user)
    form = OfficialProfileForm(data={
        "city": profile.city_id, "organization": profile.organization, "role_title": profile.role_title,
        "stakeholder_group": profile.stakeholder_group, "languages": profile.language_codes,
    } if profile else {"languages": [current_user.language]})
    cities = [(c.id, f"{translated(c.name)}, {translated(c.country)}") for c in services.list_cities()]
    form.city.choices = [(0, _("— choose —")), *sorted(cities, key=lambda choice: sort_key(choice[1]))]
    status = _status(form)
    if form.validate_on_submit():
        try:
            services.save_official_profile(current_user, actor=current_user, city_id=form.city.data,
                                           organization=form.organization.data, role_title=form.role_title.data,
                                           stakeholder_group=form.stakeholder_group.data, languages=form.languages.data)
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            flash(_("Your official profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("experts/official_profile.html", form=form, profile=profile), status


# -- cities ---------------------------------------------------------------------------------------

@bp.route("/cities/")
def cities():
    """The list of megacities."""
    return render_template("experts/cities.html", cities=services.list_cities())


@bp.route("/cities/<slug>")
def city(slug: str):
    """A city: its exchanges, its officials by stakeholder group (names to organizers only), its library notes."""
    city = services.get_city(slug)
    notes = library.library(actor=current_user, city=city.slug).notes  # the library's notes tagged with the city
    return render_template("experts/city.html", city=city, notes=notes, **services.city_page(city, viewer=current_user))


def _city_values(form: CityForm) -> dict:
    return {"name": form.name.data, "country": form.country.data, "region": form.region.data,
            "population": form.population.data, "timezone": form.timezone.data}


@bp.route("/cities/new", methods=["GET", "POST"])
@login_required
def new_city():
    """Add a city (organizers)."""
    permissions.require(current_user, "city.manage")
    form = CityForm()
    status = _status(form)
    if form.validate_on_submit():
        try:
            city = services.create_city(actor=current_user, **_city_values(form))
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            flash(_("%(city)s is added.", city=city.name), "success")
            return redirect(url_for("experts.city", slug=city.slug))
    return render_template("experts/city_form.html", form=form, city=None), status


@bp.route("/cities/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit_city(slug: str):
    """Edit a city (organizers)."""
    city = services.get_city(slug)
    permissions.require(current_user, "city.manage", city)
    form = CityForm(obj=city)
    status = _status(form)
    if form.validate_on_submit():
        try:
            services.update_city(city, actor=current_user, **_city_values(form))
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            flash(_("%(city)s is saved.", city=city.name), "success")
            return redirect(url_for("experts.city", slug=city.slug))
    return render_template("experts/city_form.html", form=form, city=city), status


# -- peer requests --------------------------------------------------------------------------------

@bp.route("/requests/")
@login_required
def requests():
    """The peer requests the person may see."""
    status = request.args.get("status") or None
    found = services.list_peer_requests(actor=current_user, status=status if status in vocab.REQUEST_STATUS_LABELS else None)
    return render_template("experts/requests.html", requests=found, status=status)


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def new_request():
    """Describe a challenge; the next page ranks experts for it (or it goes straight to a chosen expert)."""
    permissions.require(current_user, "peer_request.create")
    form = ChallengeForm()
    _prepare_challenge_form(form)
    status = _status(form)
    if form.validate_on_submit():
        try:
            req = services.create_peer_request(
                actor=current_user, challenge=form.to_challenge(), official_id=form.official.data if form.official else None,
                expert_id=optional_id(form.expert.data))
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            if req.status == "sent":
                flash(_("Your request is sent; you will get an email when the expert answers."), "success")
            return redirect(url_for("experts.peer_request", request_id=req.id))
    return render_template("experts/request_new.html", form=form, areas=services.focus_area_tree()), status


def _prepare_challenge_form(form: ChallengeForm) -> None:
    if permissions.can(current_user, "peer_request.create_for_others"):
        form.official.choices = [(0, _("— choose —"))] + services.official_choices()
    else:
        del form.official  # officials ask for themselves
    form.focus_area.choices = [("", _("— choose —"))] + [(a.slug, translated(a.name)) for a in services.focus_area_tree()]
    if not form.is_submitted():
        form.expert.data = request.args.get("expert", "")
        form.timezone.data = services.default_zone_for(current_user)
        form.languages.data = services.default_languages_for(current_user)


@bp.route("/requests/<int:request_id>")
@login_required
def peer_request(request_id: int):
    """A request: the challenge, its state, ranked suggestions while unsent, answer buttons for the expert."""
    req = services.get_peer_request(request_id, actor=current_user)
    suggestions = services.suggest_experts(req, actor=current_user) if (
        req.status == "draft" and permissions.can(current_user, "peer_request.send", req)) else []
    link = (url_for("exchanges.new", **services.exchange_prefill(req))
            if permissions.can(current_user, "peer_request.make_exchange", req) else None)
    return render_template("experts/request.html", req=req, suggestions=suggestions, exchange_link=link,
                           send_form=SendForm(), respond_form=RespondForm())


@bp.route("/requests/<int:request_id>/send", methods=["POST"])
@login_required
def send_request(request_id: int):
    """Send the challenge to one of the suggested experts."""
    req = services.get_peer_request(request_id, actor=current_user)
    form = SendForm()
    if form.validate_on_submit() and optional_id(form.expert.data) is not None:
        services.send_peer_request(req, actor=current_user, expert_id=optional_id(form.expert.data))
        flash(_("Your request is sent to %(name)s; you will get an email when they answer.", name=req.expert.user.name),
              "success")
    return redirect(url_for("experts.peer_request", request_id=req.id))


@bp.route("/requests/<int:request_id>/respond", methods=["POST"])
@login_required
def respond(request_id: int):
    """The asked expert accepts or declines."""
    req = services.get_peer_request(request_id, actor=current_user)
    form = RespondForm()
    answer = request.form.get("answer")
    if form.validate_on_submit() and answer in ("accept", "decline"):
        services.respond_to_peer_request(req, actor=current_user, accept=answer == "accept", note=form.note.data)
        flash(_("Thank you. The official has been emailed your answer."), "success")
    return redirect(url_for("experts.peer_request", request_id=req.id))


@bp.route("/requests/<int:request_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_request(request_id: int):
    """Cancel a request that has not been answered, after confirming."""
    req = services.get_peer_request(request_id, actor=current_user)
    permissions.require(current_user, "peer_request.cancel", req)
    form = ConfirmForm()
    if not confirmed(form):
        return confirm_page(
            form, title=_("Cancel the request “%(title)s”?", title=req.title),
            consequences=[_("The expert asked, if any, is told that the request is withdrawn."),
                          _("To ask again, you describe the challenge in a new request.")],
            confirm_label=_("Cancel this request"), back=url_for("experts.peer_request", request_id=req.id),
            back_label=_("Keep it"))
    services.cancel_peer_request(req, actor=current_user)
    flash(_("The request is cancelled."), "success")
    return redirect(url_for("experts.peer_request", request_id=req.id))
