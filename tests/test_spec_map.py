"""tests/README.md maps every numbered section of SPEC.md to the tests that check it.

The map must stay true: every section and subsection of ../shared/SPEC.md has a row naming
at least one test, no row names a section the SPEC does not have, and every test a row names
exists (read from the test files' syntax trees, so this runs in milliseconds and imports none
of them).
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from .util import ROOT, SHARED

SPEC = SHARED / "SPEC.md"
MAP = ROOT / "tests" / "README.md"
HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)*)\.? ", re.MULTILINE)
ROW = re.compile(r"^\| *(\d+(?:\.\d+)*) *\|(.*)\|(.*)\| *$", re.MULTILINE)
TEST_ID = re.compile(r"`?(test_\w+\.py)::(\w+)(?:\[[^\]]*\])?`?")


def spec_sections() -> list[str]:
    if not SPEC.exists():
        pytest.skip("../shared/SPEC.md is not present")
    return HEADING.findall(SPEC.read_text(encoding="utf-8"))


def map_rows() -> dict[str, list[tuple[str, str]]]:
    """{section: [(file, test function), ...]} from the README's table."""
    rows: dict[str, list[tuple[str, str]]] = {}
    for section, what, tests in ROW.findall(MAP.read_text(encoding="utf-8")):
        assert section not in rows, f"section {section} has two rows"
        assert what.strip(), f"section {section}: say what is tested"
        rows[section] = TEST_ID.findall(tests)
    return rows


@cache
def defined_tests(file: str) -> frozenset[str]:
    """Names of the test functions (and Class::method pairs' methods) defined in tests/FILE."""
    path = ROOT / "tests" / file
    if not path.is_file():
        return frozenset()
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
            names.add(node.name)
    return frozenset(names)


def test_the_spec_has_the_sections_the_map_expects():
    sections = spec_sections()
    assert len(sections) == len(set(sections)), "SPEC.md numbers a section twice"
    assert {"1", "2", "3", "3.1", "4", "5", "5.3", "7"} <= set(sections)


def test_every_spec_section_has_a_test():
    rows = map_rows()
    missing = [s for s in spec_sections() if not rows.get(s)]
    assert missing == [], f"SPEC sections with no test in tests/README.md: {missing}"


def test_the_map_names_no_section_the_spec_lacks():
    assert sorted(set(map_rows()) - set(spec_sections())) == []


def test_every_listed_test_exists():
    absent = [f"{file}::{name}" for tests in map_rows().values() for file, name in tests
              if name not in defined_tests(file)]
    assert absent == [], f"tests/README.md names tests that do not exist: {absent}"


def test_the_checker_sees_a_wrong_name():
    """Control: a name that is not defined is reported, so the checks above can fail."""
    assert "test_every_listed_test_exists" in defined_tests("test_spec_map.py")
    assert "test_no_such_thing" not in defined_tests("test_spec_map.py")
    assert defined_tests("test_no_such_file.py") == frozenset()
    assert TEST_ID.findall("`test_cli.py::test_bad_input[x.csv]`") == [("test_cli.py", "test_bad_input")]
