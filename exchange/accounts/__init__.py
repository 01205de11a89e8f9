"""Accounts: people, logging in and out, sign-up, proving an email address, password reset, profile, privacy.

What other features may use (everything else, and every name starting with `_`, is private):
- `models`: `User` (every feature's actor and foreign key; `email_verified` says whether its address is proven),
  `AccessRevocation`, `LoginSession`, `PasswordResetToken`, `EmailVerificationToken`;
- `services`: `normalize_email`, `add_user`, `create_user`, `get_user_by_email`, `set_disabled`, `hash_password`,
  `load_user` (Flask-Login's loader: a user only through a live `LoginSession`; the user it returns carries
  `login_id`), `open_login` (tests and tools that log someone in without the form), `stage_verify_email` and
  `stage_release_email` (an emailed link of another feature, an invitation, proved an address);
- `login.start_login_session(user, remember=..., first=...)`: for a view of another feature that logs someone in (the
  invitation sign-up); the web layer, not a service;
- `forms.ZoneAndLanguageMixin`, `forms.ZoneField` (the zone picker), `forms.zone_choices`: the zone and language
  fields of other features' forms;
- `privacy.person_name` (a template filter the app registers), `views.bp` (the app factory).
"""
