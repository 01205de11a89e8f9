"""What this process has delivered of each room's event log, so that no stored event stays undelivered.

With several server processes, an event is stored (committed) by one process, delivered to that process's
clients at once and then published on the message queue for the others. A process that dies between its commit
and its publish (SIGKILL, a crash, a lost link to Redis) leaves the clients of the *other* processes without
that event, although its sender may already hold the ack. Clients that reconnect replay it (`join {after_seq}`),
but clients that stay connected elsewhere would never see it.

So each process keeps a ledger of the `room.event` deliveries it made, per session with local clients, and a
background task (`services.repair_deliveries`, every `LIVE_REPAIR_SECONDS`) compares it with the stored log:
every stored event older than `LIVE_REPAIR_GRACE` that did not pass through this process is delivered here, to
the connections that joined before it was stored (a connection that joined later had it in its join answer).
A copy that arrives late over the queue after a repair is dropped, so nobody hears an event twice.

The ledger is pure bookkeeping (no database, no Socket.IO); it is thread-safe.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from ..common.realtime import LIVE_NAMESPACE


@dataclass
class _Room:
    watermark: int  # every event with seq <= watermark is delivered (or was in each connection's join answer)
    generation: int = 0  # raised by every join, so that a room is not forgotten while someone is joining it
    seen: dict[int, set[str]] = field(default_factory=dict)  # seq -> Socket.IO rooms it went to, above watermark
    joined: dict[str, int] = field(default_factory=dict)  # sid -> last_seq of its join answer, above watermark
    horizon: list[tuple[float, int]] = field(default_factory=list)  # (when noticed, stored last_seq)


class DeliveryLedger:
    """Per session: which events this process delivered, and which of its connections already had which."""

    def __init__(self) -> None:
        self._rooms: dict[int, _Room] = {}
        self._lock = threading.Lock()
        self.enabled = False  # on in a process whose events also travel over a message queue

    def follow(self, session_id: int, sid: str, stored_last_seq: int) -> None:
        """Note a connection about to subscribe to a room whose stored log ended at `stored_last_seq` just now.

        Called before the connection subscribes, so the watermark is never above what it still needs live: its
        join answer holds at least everything up to `stored_last_seq`, and whatever comes later reaches it
        live or through a repair. Two first joins can arrive in either order; the lower end wins.
        """
        with self._lock:
            room = self._rooms.get(session_id)
            if room is None:
                room = self._rooms[session_id] = _Room(watermark=stored_last_seq)
            elif stored_last_seq < room.watermark:
                room.watermark = stored_last_seq
            room.generation += 1
            # Kept even at the watermark: a lower watermark from a second first join would otherwise forget it.
            room.joined[sid] = max(stored_last_seq, room.joined.get(sid, 0))

    def joined(self, session_id: int, sid: str, last_seq: int) -> None:
        """Note that a connection's join answer held everything up to `last_seq` (it needs no repair below it)."""
        with self._lock:
            room = self._rooms.get(session_id)
            if room is not None:
                room.joined[sid] = max(last_seq, room.joined.get(sid, 0))

    def deliver(self, session_id: int, seq: int, room_name: str) -> bool:
        """Note a delivery of event `seq` to `room_name`; return False when it was delivered already."""
        with self._lock:
            room = self._rooms.get(session_id)
            if room is None:
                return True  # nobody here follows this room
            if seq <= room.watermark:
                return False
            rooms = room.seen.setdefault(seq, set())
            if room_name in rooms:
                return False
            rooms.add(room_name)
            return True

    def sessions(self) -> list[tuple[int, int]]:
        """Return (session_id, generation) of every room followed here."""
        with self._lock:
            return [(session_id, room.generation) for session_id, room in self._rooms.items()]

    def forget(self, session_id: int, generation: int | None = None) -> None:
        """Stop following a room (no local connection is in it), unless someone joined it since `generation`."""
        with self._lock:
            room = self._rooms.get(session_id)
            if room is not None and (generation is None or room.generation == generation):
                del self._rooms[session_id]

    def due(self, session_id: int, stored_last_seq: int, *, grace: float, now: float | None = None) -> tuple[int, int]:
        """Note the stored log's end; return the range (watermark, upto] of seqs stored at least `grace` ago."""
        now = time.monotonic() if now is None else now
        with self._lock:
            room = self._rooms.get(session_id)
            if room is None or stored_last_seq <= room.watermark:
                return (0, 0)
            if not room.horizon or room.horizon[-1][1] < stored_last_seq:
                room.horizon.append((now, stored_last_seq))
            ripe = [seq for noticed, seq in room.horizon if noticed <= now - grace]
            return (room.watermark, max(ripe)) if ripe else (room.watermark, room.watermark)

    def missing(self, session_id: int, seq: int, rooms: list[str]) -> tuple[list[str], list[str]]:
        """Return which of `rooms` never got event `seq` here, and the sids that need not get it (they joined later)."""
        with self._lock:
            room = self._rooms.get(session_id)
            if room is None:
                return ([], [])
            seen = room.seen.setdefault(seq, set())
            gaps = [name for name in rooms if name not in seen]
            seen.update(gaps)
            return (gaps, [sid for sid, last in room.joined.items() if last >= seq])

    def settle(self, session_id: int, upto: int) -> None:
        """Everything up to `upto` is delivered: move the watermark and forget what lies below it."""
        with self._lock:
            room = self._rooms.get(session_id)
            if room is None or upto <= room.watermark:
                return
            room.watermark = upto
            room.seen = {seq: names for seq, names in room.seen.items() if seq > upto}
            room.joined = {sid: last for sid, last in room.joined.items() if last > upto}
            room.horizon = [(noticed, seq) for noticed, seq in room.horizon if seq > upto]


ledger = DeliveryLedger()


def first_delivery(message: dict) -> bool:
    """Queue filter: False for a `room.event` this process has already delivered to that room (a late copy)."""
    if message.get("event") != "room.event" or message.get("namespace") != LIVE_NAMESPACE:
        return True
    data = message.get("data")
    payload = data[0] if isinstance(data, list) and data else data
    room = message.get("room")
    if not isinstance(payload, dict) or not isinstance(room, str):
        return True
    try:
        session_id, seq = int(payload["session_id"]), int(payload["seq"])
    except (KeyError, TypeError, ValueError):
        return True
    return ledger.deliver(session_id, seq, room)
