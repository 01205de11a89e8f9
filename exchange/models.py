"""Every feature's models, imported in one place for Alembic and the shell."""

from .accounts.models import PasswordResetToken, User
from .mail.models import OutboxMessage

__all__ = ["OutboxMessage", "PasswordResetToken", "User"]
