"""Where the shipped glossaries/ folder (collections and house styles) is read from.

The folder stays at the repository root, where editors edit it. A wheel carries it as the data
package `service.shipped` (pyproject.toml maps that package onto glossaries/), so an installed
audarma finds it through importlib.resources. Run from a checkout (an editable install, the
tests) there is no service/shipped/ and the folder beside the package is used.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

SOURCE_TREE = Path(__file__).resolve().parents[2] / "glossaries"


def shipped_folder() -> Path:
    """The shipped glossaries/ folder: installed package data if present, else the source tree."""
    installed = files("service").joinpath("shipped")
    # A wheel installs into a real folder, so the resource is a pathlib.Path; anything else (a
    # zip import) or nothing at all means the code runs from the source tree.
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    return SOURCE_TREE
