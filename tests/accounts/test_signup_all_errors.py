"""Sign-up shows every problem at once: an error summary at the top links to each field, and each field says its
own problem; nothing is created."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from exchange.accounts.models import User


def test_sign_up_reports_every_problem_in_one_answer(client, db):
    response = client.submit("/accounts/signup", {"name": "Adaeze Okafor", "email": "adaeze@lagos.gov.ng",
                                                  "password": "short", "timezone": "Mars/Olympus", "language": "xx"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary" role="alert" tabindex="-1"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert re.findall(r'<a href="#([^"]+)">', summary) == ["timezone", "language", "password"]
    assert "Use at least" in summary and "Unknown time zone “Mars/Olympus”" in summary
    for name in ("timezone", "language", "password"):
        assert f'id="{name}-error"' in html
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_wtforms_problems_are_summarised_too_and_required_fields_are_marked(client, db):
    html = client.submit("/accounts/signup", {"timezone": "UTC", "language": "en"}).get_data(as_text=True)
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert re.findall(r'<a href="#([^"]+)">', summary) == ["name", "email", "password"]
    assert re.search(r'<label for="email">Email <span class="required">\(required\)</span></label>', html)
