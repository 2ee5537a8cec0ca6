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


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Every import between the project's own modules, at any depth in the file."""
    files = [*(ROOT / "service").rglob("*.py"), *(ROOT / "workers").rglob("*.py")]
    modules = {_module_name(p): p for p in files if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def test_no_import_cycle_between_the_projects_modules():
    graph = _import_graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_only_the_app_factory_imports_blueprints_and_the_service_never_imports_workers():
    graph = _import_graph()
    blueprints = {
        m for m in graph
        if (ROOT / (m.replace(".", "/") + ".py")).exists()
        and "Blueprint(" in (ROOT / (m.replace(".", "/") + ".py")).read_text(encoding="utf-8")
    }
    assert {"service.api.jobs", "service.api.glossary"} <= blueprints
    for module, imports in graph.items():
        if module in ("service.api", "service.ui", "service.app") or module in blueprints:
            continue
        if module.startswith("service.ui."):
            # The UI is one blueprint whose pages are split over modules: each registers its
            # views on service.ui.blueprint, and only service.ui imports the pages.
            imports = imports - {"service.ui.blueprint"}
        assert not imports & blueprints, f"{module} imports a blueprint: {imports & blueprints}"
        if module.startswith("service"):
            assert not any(i.startswith("workers") for i in imports), module


def test_use_cases_import_no_web_or_task_framework_and_no_orm():
    for module, imports in _import_graph().items():
        if module.startswith("service.usecases"):
            assert not any(i.startswith(("service.api", "workers")) for i in imports), module
    for path in (ROOT / "service" / "usecases").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert node.module.split(".")[0] not in FRAMEWORKS, f"{path.name}: {node.module}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in FRAMEWORKS, f"{path.name}: {alias.name}"
