"""Site-wide pages: the home page and the health check.

Other features use nothing of it; the app factory registers `views.bp`.
"""
