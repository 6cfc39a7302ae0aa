"""The domain apps know no HTTP adapter: nothing under content/, leads/, notifications/ or partners/ imports
api, staff or portal code (DESIGN.md: adapters call the domain, never the reverse). Every import statement
counts, at module level or inside a function, since a lazy import is a dependency all the same."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ["content", "leads", "notifications", "partners"]
ADAPTERS = {"api", "staff", "portal"}


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_the_walk_sees_an_adapter_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def later():\n    from api.models import X\n    import staff.views\n")
    assert {module.split(".")[0] for module in _imported_modules(sample)} == {"api", "staff"}


@pytest.mark.parametrize("app", DOMAIN)
def test_domain_apps_import_no_adapter(app):
    offending = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / app).rglob("*.py"))
        for module in _imported_modules(path)
        if module.split(".")[0] in ADAPTERS
    }
    assert not offending, "domain code imports an HTTP adapter:\n" + "\n".join(sorted(offending))
