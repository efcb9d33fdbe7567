"""Branding: the organisation name, logo and colour every document carries.

Resolved once per command from the config (`Branding.from_config`), with the built-in
fallbacks decided here and nowhere else, then passed to the builders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_ORGANISATION = "Contact Centre"
DEFAULT_COLOUR = "#1f4e79"


@dataclass(frozen=True)
class Branding:
    organisation: str = DEFAULT_ORGANISATION
    logo: Path | None = None
    primary_colour: str = DEFAULT_COLOUR

    @classmethod
    def from_config(cls, config: Any) -> "Branding":
        """The config's `organisation:` block; the logo path is resolved against the config's folder
        (path arithmetic only: the renderers read the file)."""
        org = getattr(config, "organisation", None)
        if org is None:
            return cls()
        logo = config.resolve_path(org.logo) if getattr(org, "logo", None) else None
        return cls(
            organisation=getattr(org, "name", None) or DEFAULT_ORGANISATION,
            logo=logo,
            primary_colour=getattr(org, "primary_colour", None) or DEFAULT_COLOUR,
        )
