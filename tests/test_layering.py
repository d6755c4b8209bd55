"""Data flows one way: each stage imports only what STYLE.md allows (read with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT_MODULES = {
    "items",
    "profiles",
    "settings",
    "cli",
    "parsers",
    "spiders",
    "pipelines",
    "archive_db",
    "demo",
    "sites",
    "warcfiles",
}

# module (file or package) -> top-level names it must never import
FORBIDDEN: dict[str, set[str]] = {
    "items.py": PROJECT_MODULES - {"items"} | {"scrapy", "sqlalchemy", "lxml", "bs4"},
    "profiles.py": PROJECT_MODULES - {"profiles"} | {"scrapy", "sqlalchemy"},
    "parsers": {"scrapy", "sqlalchemy", "pipelines", "archive_db", "spiders", "cli", "twisted"},
    "spiders": {"sqlalchemy", "pipelines", "archive_db", "cli"},
    "pipelines": {"parsers", "spiders", "cli"},
    "archive_db": {"scrapy", "twisted", "parsers", "pipelines", "spiders", "cli"},
    "warcfiles": {"scrapy", "twisted", "parsers", "pipelines", "spiders", "cli"},
}


def imported_top_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def module_files(name: str) -> list[Path]:
    target = ROOT / name
    return sorted(target.rglob("*.py")) if target.is_dir() else [target]


CASES = [(name, path) for name in FORBIDDEN for path in module_files(name)]


@pytest.mark.parametrize(
    ("layer", "path"), CASES, ids=[str(path.relative_to(ROOT)) for _, path in CASES]
)
def test_module_imports_only_what_its_layer_allows(layer: str, path: Path) -> None:
    wrong = imported_top_names(path) & FORBIDDEN[layer]
    assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_every_layer_has_modules_to_check() -> None:
    for layer in FORBIDDEN:
        assert all(path.exists() for path in module_files(layer)), layer
        assert module_files(layer), f"{layer} has no modules"


def test_a_forbidden_import_is_detected(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import os\nfrom sqlalchemy.orm import Session\nfrom . import sibling\n")
    assert imported_top_names(module) == {"os", "sqlalchemy"}
