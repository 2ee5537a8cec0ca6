"""The glossary maintainers' web UI under /ui: server-rendered Flask and Jinja, no JavaScript
needed (static/ui.js only adds conveniences).

Pages live in one module each (entries, candidates, try-it, import and export, history, keys);
security.py holds what every page shares: the signed-in user, CSRF tokens and the response
headers. Templates autoescape everything; nothing a page shows is marked safe.
"""

from __future__ import annotations

from flask import Flask

from .blueprint import bp


def init_app(app: Flask) -> None:
    # Each page module registers its views on bp when imported.
    from . import candidates, entries, history, interchange, keys, pages, security, tryit

    del candidates, entries, history, interchange, keys, pages, tryit

    security.init_app(app)
    app.register_blueprint(bp)
