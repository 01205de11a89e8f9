"""Live-room pages: the room, rooms live now, the summary, written answers and transcript exports."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..common.errors import Conflict, Invalid
from ..common.i18n import current_locale
from ..common.templating import viewer_zone
from ..common.urls import public_url
from ..common.web import ConfirmForm, confirm_page, confirmed
from . import services, transcript
from .forms import AnswerForm

bp = Blueprint("live", __name__)

EXPORTS = {
    "md": (transcript.to_markdown, "text/markdown; charset=utf-8"),
    "csv": (transcript.to_csv, "text/csv; charset=utf-8"),
    "json": (transcript.to_json, "application/json"),
}


def video_embed(url: str) -> str | None:
    """Return an embeddable player address for known video services, or None (then the page shows a link)."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        return None
    if host in ("www.youtube.com", "youtube.com", "youtu.be", "www.youtube-nocookie.com"):
        video = parts.path.strip("/") if host == "youtu.be" else (parse_qs(parts.query).get("v") or [""])[0]
        if parts.path.startswith("/embed/"):
            video = parts.path.removeprefix("/embed/")
        return f"https://www.youtube-nocookie.com/embed/{video}" if video.replace("-", "").replace("_", "").isalnum() else None
    if host in ("vimeo.com", "player.vimeo.com"):
        video = parts.path.strip("/").split("/")[-1]
        return f"https://player.vimeo.com/video/{video}" if video.isdigit() else None
    if host == "meet.jit.si" or host.endswith(".jitsi.net"):
        return url
    return None


@bp.route("/live/")
@login_required
def index():
    """List the rooms the person may join that are open now or around now."""
    return render_template("live/index.html", rooms=services.rooms_now(actor=current_user))


@bp.route("/sessions/<int:session_id>/room")
@login_required
def room(session_id: int):
    """Show the live room: video, chat, questions, polls and hands (the page needs JavaScript)."""
    seat = services.get_seat(session_id, actor=current_user)
    url = seat.session.video_link  # its own link when set, else the exchange's
    link = url if urlsplit(url).scheme in ("http", "https") else ""  # never a javascript: link
    return render_template("live/room.html", seat=seat, session=seat.session, video_url=link, embed=video_embed(link),
                           namespace=services.NAMESPACE, dismiss_reasons=services.DismissReason.choices())


@bp.route("/sessions/<int:session_id>/present")
@login_required
def present(session_id: int):
    """The presenter view for the shared screen (moderators): the pinned or top question, large, and the room's
    address, kept current over the live connection."""
    seat = services.get_seat(session_id, actor=current_user)
    services.require_moderator(seat)
    return render_template("live/present.html", seat=seat, session=seat.session, namespace=services.NAMESPACE,
                           room_url=public_url("live.room", session_id=session_id))


@bp.route("/sessions/<int:session_id>/room/close", methods=["GET", "POST"])
@login_required
def close_room(session_id: int):
    """Close the room after confirming (hosts and organizers): the page behind the room's "Close the room" link,
    which the room's script replaces with a dialog; both end in `services.close_room`."""
    seat = services.get_seat(session_id, actor=current_user)
    services.require_host(seat)
    form = ConfirmForm()
    if not confirmed(form):
        return confirm_page(
            form, title=_("Close the room of “%(session)s”?", session=seat.session.title),
            consequences=[_("Chat, questions, votes and hands stop for everyone at once; open polls close."),
                          _("The room stays readable, and unanswered questions become follow-ups.")],
            confirm_label=_("Close the room"), back=url_for(".room", session_id=session_id),
            back_label=_("Keep it open"))
    services.close_room(session_id, actor=current_user)
    flash(_("The room is closed."), "success")
    return redirect(url_for(".room", session_id=session_id))


@bp.route("/sessions/<int:session_id>/summary")
@login_required
def summary(session_id: int):
    """Show what happened: answered and open questions, poll results and the attendance peak."""
    data = services.session_summary(session_id, actor=current_user)
    return render_template("live/summary.html", summary=data, session=data.seat.session, form=AnswerForm())


@bp.route("/sessions/<int:session_id>/questions/<int:question_id>/answer", methods=["POST"])
@login_required
def answer(session_id: int, question_id: int):
    """Attach or change a question's written answer (moderators), during or after the session."""
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.moderate_question(session_id, actor=current_user, question_id=question_id, action="answer",
                                       answer=form.answer.data or "")
        except (Invalid, Conflict) as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("The answer is saved."), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors)
              or _("The answer could not be saved. Try again."), "error")
    return redirect(url_for(".summary", session_id=session_id, _anchor=f"q{question_id}"))


@bp.route("/sessions/<int:session_id>/transcript.<any(md, csv, json):fmt>")
@login_required
def export(session_id: int, fmt: str):
    """Download the room's transcript (organizers); anonymous askers stay anonymous."""
    render, mimetype = EXPORTS[fmt]
    data = services.transcript(session_id, actor=current_user)
    body = render(data, viewer_zone(), current_locale()) if fmt == "md" else render(data)
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="session-{session_id}-transcript.{fmt}"'})
