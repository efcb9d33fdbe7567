"""The canonical incident schema (SPEC §3.1): field names, types and status/priority values.

Every reader and preset produces a frame with exactly these columns; metrics and documents
rely on nothing else.
"""

from __future__ import annotations

STATUSES = ("New", "In Progress", "On Hold", "Resolved", "Closed", "Cancelled")
OPEN_STATUSES = ("New", "In Progress", "On Hold")
DONE_STATUSES = ("Resolved", "Closed")
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
UNKNOWN_PRIORITY = "Unknown"
UNCATEGORISED = "Uncategorised"

TEXT_FIELDS = (
    "incident_id",
    "title",
    "description",
    "category",
    "subcategory",
    "service",
    "channel",
    "site",
    "assignment_group",
    "root_cause",
    "resolution_notes",
    "problem_id",
)
DATETIME_FIELDS = (
    "opened_at",
    "detected_at",
    "acknowledged_at",
    "escalated_at",
    "resolved_at",
    "closed_at",
)
INT_FIELDS = (
    "impact",
    "urgency",
    "escalation_level",
    "reassignment_count",
    "reopen_count",
    "customers_affected",
    "contacts_affected",
)
FLOAT_FIELDS = ("csat",)
BOOL_FIELDS = ("major",)
CATEGORICAL_FIELDS = ("priority", "status")

#: Column order of the canonical frame.
FIELDS = (
    "incident_id",
    "title",
    "description",
    "category",
    "subcategory",
    "service",
    "channel",
    "site",
    "assignment_group",
    "priority",
    "impact",
    "urgency",
    "status",
    "major",
    *DATETIME_FIELDS,
    "escalation_level",
    "reassignment_count",
    "reopen_count",
    "customers_affected",
    "contacts_affected",
    "csat",
    "root_cause",
    "resolution_notes",
    "problem_id",
)
REQUIRED = ("incident_id", "opened_at")

#: Columns of the events frame (SPEC §3.3 --events, and state sequences of event logs).
EVENT_FIELDS = ("incident_id", "timestamp", "type", "text", "author", "audience")
EVENT_TYPES = (
    "detected",
    "logged",
    "acknowledged",
    "prioritised",
    "escalated",
    "update",
    "comms",
    "workaround",
    "resolved",
    "closed",
    "state",
)
