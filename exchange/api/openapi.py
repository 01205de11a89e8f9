"""The OpenAPI 3.1 document of the public API, kept beside the code it describes."""

from __future__ import annotations

from ..exchanges.models import EXCHANGE_KINDS

_TIME = {"type": "string", "format": "date-time",
         "description": "ISO 8601 with the UTC offset of the zone it is shown in, e.g. 2027-03-10T09:00:00-06:00"}
_NULLABLE_TIME = {**_TIME, "type": ["string", "null"]}
_ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def openapi_document(server_url: str) -> dict:
    """Return the OpenAPI document with this server's address."""
    named = {"type": "object", "required": ["slug", "name"], "additionalProperties": False,
             "properties": {"slug": {"type": "string"}, "name": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Peer Exchange public API", "version": "1.0.0",
                 "description": "Read-only data about published public exchanges of the Democratic Innovation in "
                                "World Megacities program. Private data (registrations, emails, invite-only and "
                                "draft exchanges) is never included.",
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "servers": [{"url": server_url}],
        "paths": {
            "/exchanges": {"get": {
                "operationId": "listExchanges",
                "summary": "List public exchanges",
                "parameters": [
                    _param("when", "upcoming (default, soonest first), past (latest first) or all",
                           {"type": "string", "enum": ["upcoming", "past", "all"], "default": "upcoming"}),
                    _param("kind", "Only this kind", {"type": "string", "enum": list(EXCHANGE_KINDS)}),
                    _param("focus", "Focus area slug, e.g. managing-information", {"type": "string"}),
                    _param("topic", "Topic slug, e.g. open-data", {"type": "string"}),
                    _param("city", "City slug, e.g. lagos", {"type": "string"}),
                    _param("language", "ISO 639-1 language code, e.g. es", {"type": "string"}),
                    _param("q", "Words to find in the title or description", {"type": "string"}),
                    _param("page", "Page number, from 1", {"type": "integer", "minimum": 1, "default": 1}),
                    _param("per_page", "Items per page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
                ],
                "responses": {
                    "200": {"description": "A page of exchanges",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExchangePage"}}}},
                    "400": _ERROR,
                },
            }},
            "/exchanges/{exchange_id}": {"get": {
                "operationId": "getExchange",
                "summary": "One public exchange with its sessions",
                "parameters": [{"name": "exchange_id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "responses": {
                    "200": {"description": "The exchange",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExchangeDetail"}}}},
                    "404": _ERROR,
                },
            }},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}}},
            "Named": named,
            "City": {"type": "object", "required": ["slug", "name", "country", "timezone"], "additionalProperties": False,
                     "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                                    "country": {"type": "string"}, "timezone": {"type": "string"}}},
            "Exchange": {
                "type": "object",
                "required": ["id", "kind", "title", "description", "description_html", "url", "status", "visibility",
                             "timezone", "languages", "interpretation_notes", "capacity", "seats_left",
                             "requires_approval", "registration_deadline", "starts_at", "ends_at", "focus_areas",
                             "topics", "cities", "session_count"],
                "properties": {
                    "id": {"type": "integer"},
                    "kind": {"type": "string", "enum": list(EXCHANGE_KINDS)},
                    "title": {"type": "string"},
                    "description": {"type": "string", "description": "Markdown source"},
                    "description_html": {"type": "string", "description": "The description rendered and sanitised"},
                    "url": {"type": "string", "format": "uri"},
                    "status": {"type": "string", "enum": ["published"]},
                    "visibility": {"type": "string", "enum": ["public"]},
                    "timezone": {"type": "string", "description": "IANA zone of the exchange"},
                    "languages": {"type": "array", "items": {"type": "string"}},
                    "interpretation_notes": {"type": "string"},
                    "capacity": {"type": ["integer", "null"]},
                    "seats_left": {"type": ["integer", "null"]},
                    "requires_approval": {"type": "boolean"},
                    "registration_deadline": _NULLABLE_TIME,
                    "starts_at": _NULLABLE_TIME,
                    "ends_at": _NULLABLE_TIME,
                    "focus_areas": {"type": "array", "items": {"$ref": "#/components/schemas/Named"}},
                    "topics": {"type": "array", "items": {"$ref": "#/components/schemas/Named"}},
                    "cities": {"type": "array", "items": {"$ref": "#/components/schemas/City"}},
                    "session_count": {"type": "integer"},
                },
            },
            "Session": {
                "type": "object", "additionalProperties": False,
                "required": ["id", "title", "description", "starts_at", "ends_at", "timezone", "status", "track", "speakers"],
                "properties": {
                    "id": {"type": "integer"}, "title": {"type": "string"}, "description": {"type": "string"},
                    "starts_at": _TIME, "ends_at": _TIME,
                    "timezone": {"type": "string", "description": "IANA zone the times are given in"},
                    "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
                    "track": {"type": ["string", "null"]},
                    "speakers": {"type": "array", "items": {
                        "type": "object", "required": ["name", "role"], "additionalProperties": False,
                        "properties": {"name": {"type": "string"},
                                       "role": {"type": "string", "enum": ["host", "moderator", "panelist"]}}}},
                },
            },
            "ExchangeDetail": {"allOf": [{"$ref": "#/components/schemas/Exchange"}], "type": "object",
                               "required": ["sessions", "tracks"],
                               "properties": {"sessions": {"type": "array", "items": {"$ref": "#/components/schemas/Session"}},
                                              "tracks": {"type": "array", "items": {"type": "string"}}}},
            "ExchangePage": {
                "type": "object", "required": ["items", "page", "per_page", "total", "pages", "links"],
                "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Exchange"}},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"},
                    "pages": {"type": "integer"},
                    "links": {"type": "object", "required": ["self", "next", "prev"], "properties": {
                        "self": {"type": "string"}, "next": {"type": ["string", "null"]}, "prev": {"type": ["string", "null"]}}},
                },
            },
        }},
    }
