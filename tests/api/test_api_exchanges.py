"""The public JSON API: public data only, ISO 8601 times with offsets, filters, pagination, OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from exchange.common.time import utcnow
from exchange.exchanges.models import Registration


@pytest.fixture
def schema(client):
    document = client.get("/api/v1/openapi.json").json
    return lambda name: Draft202012Validator({"$ref": f"#/components/schemas/{name}",
                                              "components": document["components"]})


@pytest.fixture
def lagos_webinar(db, make_exchange, make_user, add_speaker):
    from exchange.experts.reference import load_reference_data

    load_reference_data()
    from exchange.experts.models import City

    lagos = db.session.scalar(db.select(City).where(City.slug == "lagos"))
    start = datetime(2030, 3, 6, 14, 0, tzinfo=UTC)
    exchange = make_exchange(title="Open data in Lagos", starts_at=start, timezone="America/Chicago",
                             session_zone="America/Chicago", cities=[lagos], languages="en,fr", capacity=10,
                             description="**Bold** <script>x</script>")
    speaker = make_user(name="Marcus Reed", email="marcus@example.org")
    add_speaker(speaker, exchange.sessions[0], "panelist", "accepted")
    add_speaker(make_user(name="Not Yet", email="notyet@example.org"), exchange.sessions[0], "moderator", "invited")
    db.session.add(Registration(user=make_user(email="registrant@example.org"), exchange=exchange,
                                status="registered", needs="Private need"))
    db.session.commit()
    return exchange


def test_the_openapi_document_is_valid(client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    assert set(document["paths"]) == {"/exchanges", "/exchanges/{exchange_id}"}


def test_list_shape_times_and_public_data_only(client, schema, lagos_webinar, make_exchange):
    make_exchange(title="Draft one", status="draft")
    make_exchange(title="Private one", visibility="invite_only")
    response = client.get("/api/v1/exchanges")
    body = response.json
    assert response.status_code == 200 and response.mimetype == "application/json"
    schema("ExchangePage").validate(body)
    assert [item["title"] for item in body["items"]] == ["Open data in Lagos"]
    item = body["items"][0]
    assert item["starts_at"] == "2030-03-06T08:00:00-06:00" and item["ends_at"] == "2030-03-06T09:00:00-06:00"
    assert item["seats_left"] == 9 and item["languages"] == ["en", "fr"]
    assert item["cities"] == [{"slug": "lagos", "name": "Lagos", "country": "Nigeria", "timezone": "Africa/Lagos"}]
    assert "<script>" not in item["description_html"] and "<strong>Bold</strong>" in item["description_html"]
    text = response.get_data(as_text=True)
    for private in ("registrant@example.org", "marcus@example.org", "Private need", "Draft one", "Private one"):
        assert private not in text


def test_detail_has_sessions_with_accepted_speakers_only(client, schema, lagos_webinar):
    body = client.get(f"/api/v1/exchanges/{lagos_webinar.id}").json
    schema("ExchangeDetail").validate(body)
    session = body["sessions"][0]
    assert session["starts_at"] == "2030-03-06T08:00:00-06:00" and session["timezone"] == "America/Chicago"
    assert session["speakers"] == [{"name": "Marcus Reed", "role": "panelist"}]
    assert datetime.fromisoformat(session["starts_at"]) == datetime(2030, 3, 6, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize("overrides", [{"status": "draft"}, {"visibility": "invite_only"}, {"status": "cancelled"}])
def test_non_public_exchanges_are_not_found(client, schema, make_exchange, overrides):
    exchange = make_exchange(**overrides)
    response = client.get(f"/api/v1/exchanges/{exchange.id}")
    assert response.status_code == 404
    schema("Error").validate(response.json)
    assert client.get("/api/v1/exchanges/424242").status_code == 404


def test_filters_and_pagination(client, schema, make_exchange):
    for n in range(5):
        make_exchange(title=f"Webinar {n}", starts_at=utcnow() + timedelta(days=n + 1))
    make_exchange(title="A peer exchange", kind="peer_exchange", languages="es")
    make_exchange(title="Old one", starts_at=utcnow() - timedelta(days=10))
    first = client.get("/api/v1/exchanges?kind=webinar&per_page=2").json
    schema("ExchangePage").validate(first)
    assert (first["total"], first["pages"], [i["title"] for i in first["items"]]) == (5, 3, ["Webinar 0", "Webinar 1"])
    assert first["links"]["prev"] is None
    second = client.get(first["links"]["next"]).json
    assert [i["title"] for i in second["items"]] == ["Webinar 2", "Webinar 3"]
    third = client.get(second["links"]["next"]).json
    assert [i["title"] for i in third["items"]] == ["Webinar 4"] and third["links"]["next"] is None
    assert [i["title"] for i in client.get("/api/v1/exchanges?language=es").json["items"]] == ["A peer exchange"]
    assert [i["title"] for i in client.get("/api/v1/exchanges?when=past").json["items"]] == ["Old one"]
    assert [i["title"] for i in client.get("/api/v1/exchanges?q=peer").json["items"]] == ["A peer exchange"]


@pytest.mark.parametrize("query", ["when=tomorrow", "kind=party", "per_page=1000", "page=0", "page=abc"])
def test_bad_queries_are_400_with_a_message(client, schema, query):
    response = client.get(f"/api/v1/exchanges?{query}")
    assert response.status_code == 400
    schema("Error").validate(response.json)
    assert response.json["error"]["message"]


def test_the_api_refuses_writes(client, lagos_webinar):
    assert client.post("/api/v1/exchanges").status_code in (400, 405)
    assert client.delete(f"/api/v1/exchanges/{lagos_webinar.id}").status_code == 405


def test_links_and_the_openapi_server_come_from_public_url_never_a_forged_host(app, client, make_exchange,
                                                                               monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://exchange.example.org")
    exchange = make_exchange(title="Open data")
    make_exchange(title="Another")
    forged = {"Host": "evil.example.com", "X-Forwarded-Host": "evil.example.com", "X-Forwarded-Proto": "http"}
    document = client.get("/api/v1/openapi.json", headers=forged).json
    assert document["servers"] == [{"url": "https://exchange.example.org/api/v1"}]
    page = client.get("/api/v1/exchanges?per_page=1", headers=forged).json
    assert page["links"]["self"].startswith("https://exchange.example.org/api/v1/exchanges?")
    assert page["links"]["next"].startswith("https://exchange.example.org/api/v1/exchanges?")
    assert {item["url"] for item in page["items"]} <= {f"https://exchange.example.org/exchanges/{exchange.id}",
                                                      f"https://exchange.example.org/exchanges/{exchange.id + 1}"}
    detail = client.get(f"/api/v1/exchanges/{exchange.id}", headers=forged).json
    assert detail["url"] == f"https://exchange.example.org/exchanges/{exchange.id}"
    everything = str(document) + str(page) + str(detail)
    assert "evil.example.com" not in everything

