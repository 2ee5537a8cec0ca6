"""The UI's blueprint, in a module of its own so page modules can import it without importing
the package that imports them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ui", __name__, url_prefix="/ui", template_folder="templates",
               static_folder="static", static_url_path="/static")
