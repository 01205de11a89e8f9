"""Calendars: iCalendar files and feeds, calendar invites, reminders.

What other features may use (everything else is private):
- `invites.invite_part`: the calendar part of an invite or cancellation email, and `invites.accepted_speakers`
  (who its DESCRIPTION names) (`exchanges/notify.py`);
- `services.send_due_reminders`, `services.start_reminder_scheduler` (the command line, the server);
- `models.CalendarReminder`, `views.bp` (the app factory).
"""
