"""Secret links: the token a person gets by email, and the hash that is all the database keeps of it."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """Return a new unguessable token for a link (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the stored form of a token (hex SHA-256): a copy of the database opens no link."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
