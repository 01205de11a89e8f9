"""Reports for organizers, post-session surveys, follow-ups on unanswered questions and the knowledge library.

What other features may use (everything else is private):
- `models`: the report rows (for privacy export and deletion);
- `surveys.send_due_surveys`, `surveys.start_survey_scheduler` (the command line, the server);
- `library.library` (the published notes, filtered: a city's page lists the notes tagged with it);
- `followups.connect_signals` (the app factory: it hears the live room's `room_closed`); `views.bp`.
"""
