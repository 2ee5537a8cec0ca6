"""Shared fixtures: the fixed mini glossary for unit tests, the shipped one for golden tests."""

from pathlib import Path

import pytest

from service.core.glossary import load_glossary
from service.core.nameindex import NameIndex

DATA = Path(__file__).parent / "data"
# Lines the evaluation test leaves for the end-of-run summary.
EVAL_REPORT = pytest.StashKey[list]()
FIGURE_REPORT = pytest.StashKey[list]()
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def mini_index() -> NameIndex:
    return NameIndex.build(load_glossary([DATA / "glossary-mini"]))


@pytest.fixture(scope="session")
def shipped_index() -> NameIndex:
    return NameIndex.build(load_glossary())


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the name-matching evaluation figures after the run, pass or fail."""
    for key, title in ((EVAL_REPORT, "name-matching evaluation"),
                       (FIGURE_REPORT, "figure evaluation (exact renderings per locale)")):
        lines = config.stash.get(key, None)
        if lines:
            terminalreporter.section(title)
            for line in lines:
                terminalreporter.write_line(line)
