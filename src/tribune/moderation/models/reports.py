"""Members' reports of content and members, for the moderation queues."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    MISLEADING = "misleading", _("Misleading")
    ABUSE = "abuse", _("Abuse")
    VANDALISM = "vandalism", _("Vandalism")
    OTHER = "other", _("Other")


class ReportState(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")  # a moderator acted on it
    DISMISSED = "dismissed", _("Dismissed")


class Report(models.Model):
    """A member's flag on a post, comment, revision or member, for a moderation queue.

    `target` is the API's name for it ("post:12", "member:alice" is stored by id as
    "member:7"); `subwiki` says whose queue it goes to (none: staff's).
    """

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    target = models.CharField(_("target"), max_length=64)
    # The member whose content (or self) is reported: upheld reports count against them.
    target_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        related_name="reports_against",
    )
    subwiki = models.ForeignKey(
        "communities.Subwiki", on_delete=models.CASCADE, null=True, blank=True
    )
    reason = models.CharField(_("reason"), max_length=16, choices=ReportReason.choices)
    details = models.TextField(_("details"), max_length=2000, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=ReportState.choices, default=ReportState.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_resolved",
    )

    class Meta:
        constraints = [
            # One open report per member per target.
            models.UniqueConstraint(
                fields=["reporter", "target"],
                condition=models.Q(state="open"),
                name="report_one_open_per_reporter",
            )
        ]
        indexes = [
            # A queue: the open reports of a subwiki (or of staff), oldest first.
            models.Index(fields=["state", "subwiki", "created_at"], name="report_queue"),
            models.Index(fields=["target", "state"], name="report_by_target"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} report on {self.target}"
