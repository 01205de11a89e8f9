"""Background jobs inside a server process: one loop that runs a job every so often until it is told to stop.

Email delivery, calendar reminders and surveys each run on a daemon thread of their own, through `run_every`.
The loop gives each round an app context and a fresh database session, and survives a failing round (a
database hiccup): the error is logged and the next round tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..extensions import db

log = logging.getLogger(__name__)


def run_every(app, stop: threading.Event, job: Callable[[], float | None], *, interval: float, name: str,
              wake: threading.Event | None = None) -> None:
    """Run `job()` every `interval` seconds until `stop` is set.

    `job` may return how long to wait before the next round instead (None: `interval`). With `wake`, the loop
    waits on that event instead of `stop`, so whoever sets it starts the next round at once (it is cleared
    after each wait).
    """
    alarm = wake or stop
    while not stop.is_set():
        wait = interval
        try:
            with app.app_context():
                later = job()
                if later is not None:
                    wait = later
                db.session.remove()
        except Exception:  # the loop must survive a database hiccup; the next round tries again
            log.exception("background job %s failed", name)
        alarm.wait(wait)
        if wake is not None:
            wake.clear()


@dataclass(frozen=True)
class Loop:
    """A started background loop: `stop()` ends it after the round under way (at once if it is waiting)."""

    stopped: threading.Event
    wake: threading.Event | None = None

    def stop(self) -> None:
        self.stopped.set()
        if self.wake is not None:  # the loop waits on `wake`, not on `stopped`
            self.wake.set()


def start_every(app, job: Callable[[], float | None], *, interval: float, name: str,
                wake: threading.Event | None = None) -> Loop:
    """Start `run_every` on a daemon thread called `name`; return the `Loop`, which can stop it."""
    stop = threading.Event()
    threading.Thread(target=run_every, args=(app, stop, job), kwargs={"interval": interval, "name": name, "wake": wake},
                     name=name, daemon=True).start()
    return Loop(stop, wake)
