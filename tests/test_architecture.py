"""The layout's promises, checked on the source: which way imports run, no cycles, no private reach-ins.

docs/architecture.md says why: tracker → roadmap → accounts → core; `core` knows no feature;
`demo` is development-only, so nothing the product runs imports it.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "accounts", "roadmap", "tracker", "demo", "config")
# What each package may import from the project: the arrows run one way.
ALLOWED = {
    "core": set(),
    "accounts": {"core"},
    "roadmap": {"accounts", "core"},
    "tracker": {"roadmap", "accounts", "core"},
    "demo": {"tracker", "roadmap", "accounts", "core"},
    "config": {"accounts", "core"},
}


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def project_imports(path, *, top_level_only=False):
    """(imported module, [names], line) for every import of a project module in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in PACKAGES:
                found.append((node.module, [alias.name for alias in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    found.append((alias.name, [], node.lineno))
    return found


def is_module(dotted):
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def test_the_source_is_found():
    names = {module_name(path) for path in source_files()}
    assert {"core.errors", "tracker.updates.services", "roadmap.plan.views", "demo.record"} <= names


@pytest.mark.parametrize("path", list(source_files()), ids=module_name)
def test_imports_run_one_way(path):
    package = module_name(path).split(".")[0]
    wrong = [
        f"line {line}: {imported}"
        for imported, _names, line in project_imports(path)
        if imported.split(".")[0] not in ALLOWED[package] | {package}
    ]
    assert wrong == [], f"{package} may import only from {sorted(ALLOWED[package])}"


@pytest.mark.parametrize("path", list(source_files()), ids=module_name)
def test_no_private_name_is_imported_from_another_module(path):
    private = [
        f"line {line}: {name} from {imported}"
        for imported, names, line in project_imports(path)
        for name in names
        # `from package import _module` would be a private module: refused the same way.
        if name.startswith("_") and name != "_"
    ]
    assert private == []


def test_no_import_cycles_between_modules():
    """Module-level imports only: an import inside a function (AppConfig.ready) runs after loading."""
    graph = {}
    for path in source_files():
        edges = set()
        for imported, names, _line in project_imports(path, top_level_only=True):
            # `from tracker.reports import services` imports the module tracker.reports.services.
            targets = [f"{imported}.{name}" for name in names if is_module(f"{imported}.{name}")]
            edges.update(targets or [imported])
        graph[module_name(path)] = edges

    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(trail[trail.index(target) :] + [target])
            elif target in graph and target not in state:
                visit(target, [*trail, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_production_settings_do_not_install_the_demo_app():
    from config.settings import base

    assert "demo" not in base.INSTALLED_APPS
    production = (ROOT / "config" / "settings" / "production.py").read_text()
    assert "demo" not in production
