"""The outbox page: organizers see every message and its delivery state, failures included."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required

from ..common import permissions
from . import services
from .models import STATUSES

bp = Blueprint("mail", __name__, url_prefix="/outbox")


@bp.route("/")
@login_required
def outbox():
    """List recent outbox messages with their status (organizers)."""
    if not permissions.can(current_user, "outbox.view"):
        abort(403)
    status = request.args.get("status") or None
    messages = services.recent_messages(status=status if status in STATUSES else None)
    return render_template("mail/outbox.html", messages=messages, counts=services.outbox_counts(), status=status)


@bp.route("/<int:message_id>")
@login_required
def message(message_id: int):
    """Show one stored message: its headers, its text, its HTML source (as text) and its parts (organizers)."""
    return render_template("mail/message.html", message=services.read_message(message_id, actor=current_user))
