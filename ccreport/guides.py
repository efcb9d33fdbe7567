"""The guides users are pointed to (docs/*.md, the README), reachable from an installed package:
`ccreport docs [NAME]` prints one or lists them. In a wheel they are `ccreport/_docs/`
(pyproject's hatch force-include); in a checkout, the repository's `docs/` and README."""

from __future__ import annotations

from pathlib import Path

from .errors import UsageError

PKG = Path(__file__).resolve().parent


def guides() -> dict[str, Path]:
    """name -> file: `strategy` for strategy.md, `readme` for README.md."""
    found: dict[str, Path] = {}
    for folder, readme in ((PKG / "_docs", PKG / "_docs" / "README.md"), (PKG.parent / "docs", PKG.parent / "README.md")):
        if folder.is_dir():
            for path in sorted(folder.glob("*.md")):
                found.setdefault(path.stem.lower(), path)
        if readme.is_file():
            found.setdefault("readme", readme)
        if found:
            break
    return found


def guide(name: str) -> Path:
    """The guide called `name` (case and a trailing .md ignored), or a usage error listing them."""
    known = guides()
    key = name.strip().lower().removesuffix(".md")
    if key not in known:
        names = ", ".join(known) or "none (reinstall ccreport)"
        raise UsageError(f"no guide called {name!r}; the guides are: {names}.")
    return known[key]
