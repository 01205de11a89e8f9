"""Pages and static files travel compressed; static files have versioned, year-long cacheable addresses."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest


def asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def test_layout_links_static_files_by_content_hash(client):
    urls = asset_urls(client.get("/").get_data(as_text=True))
    assert any("/static/css/app.css?v=" in u for u in urls), urls
    assert all(re.search(r"\?v=[0-9a-f]{12}$", u) for u in urls), urls


def test_versioned_static_file_is_cacheable_for_a_year(client):
    css = next(u for u in asset_urls(client.get("/").get_data(as_text=True)) if "app.css" in u)
    response = client.get(css)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("query", ["", "?v=0123456789ab"])
def test_unversioned_or_stale_static_address_is_revalidated(client, query):
    response = client.get("/static/css/app.css" + query)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"  # never a year for content that may change


@pytest.mark.parametrize(("encoding", "decode"), [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_pages_and_static_files_are_compressed_for_browsers_that_accept_it(client, encoding, decode):
    page = client.get("/", headers={"Accept-Encoding": encoding})
    assert page.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in page.headers["Vary"]
    assert "Peer Exchange" in decode(page.data).decode()
    plain = client.get("/").data
    assert len(page.data) < len(plain) / 2


@pytest.mark.parametrize("path", ["/static/css/app.css", "/static/js/live.js",
                                  "/static/vendor/socket.io-client/socket.io.min.js"])
def test_static_text_files_are_compressed(client, path):
    response = client.get(path, headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == client.get(path).data


def test_clients_without_compression_get_plain_responses(client):
    response = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert b"Peer Exchange" in response.data
