"""Shared fixtures: the fixed mini glossary for unit tests, the shipped one for golden tests."""

from pathlib import Path

import pytest

from service.core.glossary import load_glossary
from service.core.matching import NameIndex

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mini_index() -> NameIndex:
    return NameIndex.build(load_glossary([DATA / "glossary-mini"]))


@pytest.fixture(scope="session")
def shipped_index() -> NameIndex:
    return NameIndex.build(load_glossary())
