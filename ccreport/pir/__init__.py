"""The post-incident review's own room: the facts of one incident and the reviewer's narrative.

    facts.py      per-incident figures computed once (lifecycle stages, SLA deadlines,
                  communication review, regulatory deadlines, action statuses): PirFacts
    narrative.py  the narrative file (Markdown with YAML front matter, SPEC §3.3): strict
                  loading, sanitising, and its free text as Document blocks

The PIR document builder (documents/pir.py) and the CLI import from here:

    from ccreport.pir import find_incident, incident_facts, load_narrative
"""

from __future__ import annotations

from .facts import (
    ANY_UPDATE,
    COMMS_RULES,
    PER_AUDIENCE,
    AudienceReview,
    PirFacts,
    Stage,
    find_incident,
    incident_facts,
    major_incident_ids,
    sla_deadline,
    zone_label,
)
from .narrative import (
    Action,
    Narrative,
    Regulatory,
    inline_markdown,
    load_narrative,
    loads_narrative,
    markdown_blocks,
    plain_text,
    text_blocks,
)

__all__ = [
    "ANY_UPDATE", "COMMS_RULES", "PER_AUDIENCE",
    "Action", "AudienceReview", "Narrative", "PirFacts", "Regulatory", "Stage",
    "find_incident", "incident_facts", "inline_markdown", "load_narrative", "loads_narrative",
    "major_incident_ids", "markdown_blocks", "plain_text", "sla_deadline", "text_blocks", "zone_label",
]
