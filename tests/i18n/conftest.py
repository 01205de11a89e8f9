"""Fixtures for the language tests: the experts feature's reference data and factories."""

from tests.experts.conftest import make_expert, make_official, reference  # noqa: F401 - fixtures shared with experts
