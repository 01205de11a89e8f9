"""Accounts: people, logging in and out, sign-up, password reset, profile, privacy (export, delete).

What other features may use (everything else, and every name starting with `_`, is private):
- `models`: `User` (every feature's actor and foreign key), `AccessRevocation`, `PasswordResetToken`;
- `services`: `normalize_email`, `add_user`, `create_user`, `get_user_by_email`, `set_disabled`, `hash_password`,
  `load_user` (Flask-Login's loader);
- `login.start_login_session(user, remember=...)`: for a view of another feature that logs someone in (the
  invitation sign-up); the web layer, not a service;
- `forms.ZoneAndLanguageMixin`, `forms.zone_choices`: the zone and language fields of other features' forms;
- `privacy.person_name` (a template filter the app registers), `views.bp` (the app factory).
"""
