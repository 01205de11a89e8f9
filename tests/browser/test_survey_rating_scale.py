"""Issue 21 §4: the survey's rating scale at 360 px — the five radios in one row, nothing wider than the screen.

The page is rendered by the app (test client) and shown in Chromium with the site's stylesheet inlined; no server."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from exchange.common.time import utcnow
from exchange.reports.surveys import send_due_surveys

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()


def test_the_rating_scale_is_one_row_on_a_360_pixel_screen(db, client, browser, make_exchange, make_user, register,
                                                           outbox):
    exchange = make_exchange(starts_at=utcnow() - timedelta(hours=2), duration=timedelta(hours=1))
    person = make_user(name="Sam Survey")
    register(person, exchange)
    assert send_due_surveys() == 1
    text = outbox.last(to=person.email).get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://localhost(/surveys/\S+)", text).group(1)
    html = client.get(link).get_data(as_text=True)
    html = re.sub(r'<link rel="stylesheet"[^>]*>', "", html).replace("</head>", f"<style>{CSS}</style></head>")
    html = re.sub(r"<script[^>]*></script>", "", html)
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.set_content(html)
        radios = page.locator('input[name="rating"]')
        assert radios.count() == 5
        boxes = [radios.nth(i).bounding_box() for i in range(5)]
        assert len({round(b["y"]) for b in boxes}) == 1, boxes  # one row
        assert all(boxes[i]["x"] < boxes[i + 1]["x"] for i in range(4))
        labels = [page.locator(f'label[for="{radios.nth(i).get_attribute("id")}"]').bounding_box() for i in range(5)]
        assert all(label["y"] > box["y"] for label, box in zip(labels, boxes, strict=True))  # each number under its radio
        low, high = page.locator("#rating-low").bounding_box(), page.locator("#rating-high").bounding_box()
        assert low["x"] < boxes[1]["x"] and high["x"] + high["width"] > boxes[3]["x"] + boxes[3]["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.get_by_label("4", exact=True).check()  # the number is the radio's accessible name
        assert page.locator('input[name="rating"][value="4"]').is_checked()
    finally:
        context.close()
