"""The error hierarchy: library code raises these; the CLI turns them into one-line messages.

Exit codes follow SPEC §7: 1 for input, config and render errors, 2 for usage, 3 for
`--strict` data-quality failures and strategy-check errors.
"""

from __future__ import annotations


class CcreportError(Exception):
    """Base class. `str(err)` is the whole user-facing message (one or two lines)."""

    exit_code = 1


class ConfigError(CcreportError):
    """A config, mapping, strategy or narrative file is invalid."""


class IngestError(CcreportError):
    """An input file cannot be read or normalised."""


class MetricsError(CcreportError):
    """The metrics cannot be computed for the requested period."""


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
