"""Site-wide pages: the home page, the health check, the language switch and a visitor's zone page (`/zone`).

Other features use nothing of it; the app factory registers `views.bp`.
"""
