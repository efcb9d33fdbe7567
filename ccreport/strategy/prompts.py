"""What a strategy skeleton leaves for its writer: the prompt marker and the learner's sections.

`ccreport init` writes a skeleton whose judgements (definitions, rationale, criteria, scenarios,
the learner's own sections) are prompts, each a string starting with PROMPT ("To write: why a
P1 is answered within 15 minutes in this centre"). `strategy-check` reports every field that
still holds a prompt as still to write; the document renders it as a visible gap, never as the
writer's text.
"""

from __future__ import annotations

from typing import Any

#: How every prompt begins (case-insensitive when read back).
PROMPT = "To write:"

#: The sections only the writer can write (the `learner:` block of strategy.yaml), with the
#: title the document gives each and the fewest words the checker accepts.
LEARNER_SECTIONS: tuple[tuple[str, str, int], ...] = (
    ("executive_summary", "Executive summary", 120),
    ("context_and_risk", "Context and risk assessment of this centre", 150),
    ("worked_scenario", "A worked scenario: from detection to post-incident review", 200),
    ("kpi_impact", "How incidents affect AHT, FCR, service level and CSAT here", 120),
    ("reflection", "Reflection", 120),
)


def prompt(text: str) -> str:
    """A prompt for the writer: "To write: <text>"."""
    return f"{PROMPT} {text}"


def is_prompt(value: Any) -> bool:
    """Whether a field still holds a prompt (nothing of the writer's own yet)."""
    return isinstance(value, str) and value.strip().lower().startswith(PROMPT.lower())
