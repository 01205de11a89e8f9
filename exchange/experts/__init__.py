"""Experts: expert applications and review, the directory, officials, cities, peer requests and matching.

What other features may use (everything else, and every name starting with `_`, is private):
- `services`: the feature's face (its `__all__`); the modules behind it are this package's own;
- `models`: `City`, `ExpertProfile`, `FocusArea`, `Topic`, `OfficialProfile`, `PeerRequest`, ... and
  `STAKEHOLDER_GROUPS`; `matching` (pure); `reference.load_reference_data` (the demo);
- `views.bp` (the app factory).
"""
