"""The moderation app's models, one module per part (STYLE.md)."""

from tribune.moderation.models.actions import (
    ActionKind,
    Appeal,
    AppealState,
    Ban,
    ModerationAction,
)
from tribune.moderation.models.notes import (
    CommunityNote,
    Helpfulness,
    NoteClassification,
    NoteRating,
    NoteRevision,
    NoteStatus,
)
from tribune.moderation.models.reports import Report, ReportReason, ReportState
from tribune.moderation.models.trust import TrustRecord, Vouch

__all__ = [
    "ActionKind",
    "Appeal",
    "AppealState",
    "Ban",
    "CommunityNote",
    "Helpfulness",
    "ModerationAction",
    "NoteClassification",
    "NoteRating",
    "NoteRevision",
    "NoteStatus",
    "Report",
    "ReportReason",
    "ReportState",
    "TrustRecord",
    "Vouch",
]
