"""The error hierarchy: library code raises these; the CLI turns them into one-line messages.

Exit codes follow SPEC §7: 1 for input, config and render errors, 2 for usage, 3 for
`--strict` data-quality failures and strategy-check errors.
"""

from __future__ import annotations

import re

# C0/C1 control characters (line breaks too) and the bidirectional overrides and isolates
# ("Trojan Source"): shown escaped wherever text from an input is echoed to a terminal or log.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with control and bidi-override characters shown as escapes (\\x1b, \\u202e), so
    that a value from an export can never move the cursor, recolour or relink a terminal, or
    reorder the characters around it when a message or data-quality issue is printed."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class CcreportError(Exception):
    """Base class. `str(err)` is the whole user-facing message (one or two lines)."""

    exit_code = 1


class ConfigError(CcreportError):
    """A config, mapping, strategy or narrative file is invalid."""


class IngestError(CcreportError):
    """An input file cannot be read or normalised."""


class NoDataError(CcreportError):
    """A document was asked for a period the export does not cover at all (SPEC §7)."""


class RenderError(CcreportError):
    """A document could not be rendered or written."""


class DeliveryError(CcreportError):
    """Email delivery failed."""


class UsageError(CcreportError):
    """The command line asks for something impossible."""

    exit_code = 2


class QualityError(CcreportError):
    """`--strict` and the data had quality problems."""

    exit_code = 3
