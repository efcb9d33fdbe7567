"""Where the built-in templates are: HTML, print CSS and the Word reference document."""

from __future__ import annotations

from pathlib import Path

from ..errors import RenderError


def templates_path() -> Path:
    """The built-in templates: `ccreport/_templates` in a wheel, the repo's `templates/` in a checkout."""
    pkg = Path(__file__).resolve().parent.parent
    for candidate in (pkg / "_templates", pkg.parent / "templates"):
        if (candidate / "base.html").is_file():
            return candidate
    raise RenderError(f"the built-in templates are missing (looked in {pkg / '_templates'} and {pkg.parent / 'templates'}); reinstall ccreport")
