"""The moderation app's models, one module per part (STYLE.md)."""

from tribune.moderation.models.actions import (
    ActionKind,
    Appeal,
    AppealState,
    Ban,
    ModerationAction,
)
from tribune.moderation.models.reports import Report, ReportReason, ReportState

__all__ = [
    "ActionKind",
    "Appeal",
    "AppealState",
    "Ban",
    "ModerationAction",
    "Report",
    "ReportReason",
    "ReportState",
]
