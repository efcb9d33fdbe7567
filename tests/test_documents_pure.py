"""The document builders are pure: model -> Document, nothing else (issue 12).

`ccreport/documents/` may read the typed metric set, the PIR facts, the strategy model and the
Document tree; it must not load data, compute metrics, render, write files or send email, so it
imports nothing from those rooms. Checked on the source with `ast`, whether the import is at
module level or inside a function; imports under `if TYPE_CHECKING:` (annotations only, never
run) are allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOCUMENTS = Path(__file__).resolve().parents[1] / "ccreport" / "documents"
FORBIDDEN = ("ccreport.ingest", "ccreport.metrics.engine", "ccreport.render", "ccreport.delivery",
             "ccreport.app", "ccreport.batch", "ccreport.contacts", "ccreport.lock", "ccreport.strategy.evidence")


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module `path` imports (relative imports resolved)."""
    package = "ccreport.documents"
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree)
                   if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                   for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{a.name}" for a in node.names)  # `from ccreport import render`
    return names


def allowed(name: str) -> bool:
    return not any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


@pytest.mark.parametrize("path", sorted(DOCUMENTS.glob("*.py")), ids=lambda p: p.name)
def test_documents_import_no_loading_computing_rendering_or_delivery(path):
    bad = sorted(n for n in imported_modules(path) if not allowed(n))
    assert bad == [], f"{path.name} imports {bad}"


def test_the_scan_sees_relative_and_function_level_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..ingest import IngestResult\n"
                     "from ..render.base import write_document\n"
                     "def f():\n    from .. import app\n    import ccreport.delivery\n", encoding="utf-8")
    assert {n for n in imported_modules(probe) if not allowed(n)} == {
        "ccreport.render.base", "ccreport.render.base.write_document", "ccreport.app", "ccreport.delivery"}
