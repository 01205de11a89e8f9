"""Markdown descriptions rendered safely: markdown-it-py (CommonMark, raw HTML off) then nh3 sanitising."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "h5",
                "h6", "hr", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Raw HTML is off at the parser and anything that slips through is removed by nh3 (defence in depth).
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_markdown(source: str | None) -> Markup:
    """Return `source` (Markdown) as sanitised HTML, safe to put in a page or an email."""
    if not source:
        return Markup("")
    html = _parser().render(source)
    # Headings h1/h2 belong to the page; a description's headings start at h3.
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>").replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
