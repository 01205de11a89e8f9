"""The read-only JSON API (`/api/v1`) and its OpenAPI document.

Other features use nothing of it; the app factory registers `views.bp`.
"""
