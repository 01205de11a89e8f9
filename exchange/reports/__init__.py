"""Reports for organizers, post-session surveys, follow-ups on unanswered questions and the knowledge library.

What other features may use (everything else is private):
- `models`: the report rows (for privacy export and deletion);
- `surveys.send_due_surveys`, `surveys.start_survey_scheduler` (the command line, the server);
- `library.library` (the published notes, filtered: a city's page lists the notes tagged with it);
- `followups.connect_signals` (the app factory: it hears the live room's `room_closed`); `views.bp`;
- `permissions.register_rules` (the app factory: `reports.view`, `followup.assign`, `followup.answer`).
- `search.register_search_index` (the app factory), `search.is_search_index_table` (migrations/env.py and the
  migration test: the SQLite index has no model).
"""
