"""Mail test helpers: a real SMTP server's sink on loopback."""

from __future__ import annotations

import email
import socket
from email.policy import default as default_policy


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"
