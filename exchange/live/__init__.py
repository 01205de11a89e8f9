"""The live room: seats and roles, the event log, chat, questions, polls, hands, presence, summaries.

What other features may use (everything else is private to the package):
- `services`: the room's face (its `__all__`), including the `room_closed` signal (blinker) that `reports` hears;
- `models`: the room's rows (for reports, privacy export and deletion);
- `access`: `record_revocation` (a loss of access in the caller's transaction), `start_watcher` (the server),
  `register_listeners` (the app factory);
- `roomlock`: the health check's stuck-room report; `sockets`, `views.bp` and `seats.register_rules` (the app
  factory).
"""
