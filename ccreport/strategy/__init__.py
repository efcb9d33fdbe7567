"""The incident-management strategy (SPEC §5.3): schema, computed tables, exercise calendar
(exercises.py) and check.

The renderer and the CLI import from here:

    from ccreport.strategy import load_strategy, check, format_findings, coverage
"""

from __future__ import annotations

from .exercises import CalendarEntry, add_months, exercise_calendar
from .check import (
    ASSESSMENT_POINTS,
    CoverageRow,
    Finding,
    check,
    coverage,
    format_findings,
    has_errors,
)
from .model import (
    EXERCISE_TYPES,
    ISO22301_CLAUSES,
    ITIL4_PRACTICES,
    LIFECYCLE_STAGES,
    REGULATORY_OBLIGATIONS,
    SECTION_TITLES,
    AlignmentRow,
    CommsRow,
    Duration,
    EscalationRow,
    Frequency,
    RaciRow,
    RaciTable,
    Requirement,
    Strategy,
    communication_matrix,
    escalation_matrix,
    framework_alignment,
    load_document,
    load_strategy,
    loads_strategy,
    clock_of,
    not_applicable,
    priority_for,
    raci_table,
    regulatory_requirements,
)

__all__ = [
    "ASSESSMENT_POINTS", "EXERCISE_TYPES", "ISO22301_CLAUSES", "ITIL4_PRACTICES", "LIFECYCLE_STAGES",
    "REGULATORY_OBLIGATIONS", "SECTION_TITLES",
    "AlignmentRow", "CalendarEntry", "CommsRow", "CoverageRow", "Duration", "EscalationRow", "Finding",
    "Frequency", "RaciRow", "RaciTable", "Requirement", "Strategy",
    "add_months", "check", "communication_matrix", "coverage", "escalation_matrix", "exercise_calendar",
    "format_findings", "framework_alignment", "has_errors", "load_document", "load_strategy",
    "loads_strategy", "clock_of", "not_applicable", "priority_for", "raci_table", "regulatory_requirements",
]
