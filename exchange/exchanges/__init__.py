"""Exchanges: exchanges, sessions, speakers, registration and invitations, program import/export, the
scheduling assistant, notices.

What other features may use (everything else, and every name starting with `_`, is private):
- `models`: `Exchange`, `ExchangeSession`, `Registration`, `SessionSpeaker`, `Invitation`, `Track`,
  `RegistrationQuestion`, `RegistrationAnswer`, `CHOICE_KINDS` (a person's data: accounts.privacy),
  `EXCHANGE_KINDS`, `exchange_cities`, `register_time_bounds` (the app factory);
- `services` (the face of `checks`, `reads`, `lifecycle`, `sessions`, `speakers`): reads (`upcoming_public`, the
  API's listings, `STAKEHOLDER_LABELS`); its writes are the organizers' use cases, each committing once; its
  `stage_*` functions never commit and are for this package;
- `registrations`: the reads the API uses; `program`: `import_program`, `export_program`, `dumps` (the CLI);
- `markdown.render_markdown`; `views.bp` and `permissions.register_rules` (the app factory);
- `permissions.team_clause` and `permissions.runs_exchange`: who runs an exchange (its team and administrators),
  for other features' own rules and listings (the live room's moderators, reports, follow-ups, city pages);
- `models.ExchangeTeamMember` (the team rows: the live room's access watch, privacy deletion, the demo);
- the new-exchange page's query string (`/exchanges/new?kind=&title=&…`, listed in `views_organizer._prefill_new`): a link
  other features build with `url_for("exchanges.new", ...)` (peer requests do).
"""
