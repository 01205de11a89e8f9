"""Mail: the outbox (rows in the same transaction as the change that sends them), rendering, SMTP delivery.

What other features may use (everything else is private):
- `services`: `Recipient`, `CalendarPart`, `queue_email`, `replace_unsent`, `last_kind`, `last_calendar`,
  `unsent_kinds`, `window_for` (queueing and its questions); `deliver_pending`, `outbox_counts`, `retry_failed`,
  `start_background_delivery` (the command line, the server);
- `models.OutboxMessage`, `views.bp` (the app factory).
"""
