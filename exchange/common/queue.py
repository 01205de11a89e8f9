"""The Socket.IO message queue (Redis) shared by every server process, and how a process survives its outage.

python-socketio's RedisManager already reconnects its listener after Redis goes away, but with a doubling
back-off (1, 2, 4 … 60 s) and without telling anyone: whatever was published while a process was cut off is
lost for that process's clients. `ExchangeRedisManager` keeps the listener retrying every second, and once it
has subscribed again after a failure it closes its own clients' connections (without a close packet, as a
dropped network would), so that every client reconnects and replays what it missed with `join {after_seq}`
(docs/live-protocol.md). Every message on the queue is JSON (python-socketio's default codec; our payloads
carry times as ISO strings).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import socketio

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0


class ExchangeRedisManager(socketio.RedisManager):
    """RedisManager that resubscribes within a second of Redis coming back and then makes its clients replay.

    `emit_filter`, when set, sees every emit this process is about to deliver to its own clients (its own and
    those from the queue) and may drop it: the live room drops copies it has already delivered.
    """

    emit_filter: Callable[[dict], bool] | None = None

    def _handle_emit(self, message):
        if self.emit_filter is not None and not self.emit_filter(message):
            return
        super()._handle_emit(message)

    def _redis_listen_with_retries(self):  # pragma: no cover - exercised by tests/scale with real processes
        failed = False
        while True:
            try:
                self._redis_connect()
                self.pubsub.subscribe(self.channel)
                if failed:
                    failed = False
                    log.warning("message queue back: subscribed again to %s", self.channel)
                    self.server.start_background_task(self.resync_clients)
                yield from self.pubsub.listen()
            except Exception as exc:  # noqa: BLE001 - any failure of the queue means: retry
                if not failed:
                    log.error("message queue lost (%s): retrying every %s s", exc, RETRY_SECONDS)
                failed = True
                self.connected = False
                time.sleep(RETRY_SECONDS)

    def resync_clients(self) -> None:
        """Drop every Engine.IO connection of this process so that its clients reconnect and replay."""
        for eio_socket in list(self.server.eio.sockets.values()):
            try:
                eio_socket.close(wait=False, abort=True)
            except Exception:  # noqa: BLE001 - one broken socket must not keep the others from resyncing
                log.exception("could not close a client connection after the queue outage")


def message_queue(url: str | None, channel: str) -> ExchangeRedisManager | None:
    """Return the client manager for Flask-SocketIO: Redis when `url` is set, else None (one process)."""
    if not url:
        return None
    return ExchangeRedisManager(url, channel=channel)

