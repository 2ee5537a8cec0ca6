"""Project-level promises: the README's commands are what CI runs; the core stays pure."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = {"flask", "celery", "sqlalchemy", "alembic", "redis", "requests", "httpx"}


def quickstart_commands() -> list[str]:
    """The first block of indented lines in the Quickstart section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"(?:^    \S.*\n)+", section, flags=re.MULTILINE)
    return [line.strip() for line in block.group().splitlines()]


def test_readme_opens_with_two_quickstart_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.index("## Quickstart") < readme.index("\n## ", readme.index("## Quickstart") + 1)
    assert len(quickstart_commands()) == 2


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = quickstart_commands()[1]
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in lines


def test_core_imports_no_framework():
    for path in (ROOT / "service" / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FRAMEWORKS, f"{path.name} imports {name}"
