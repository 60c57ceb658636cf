"""Community notes on posts, and members' ratings of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoteClassification(models.TextChoices):
    MISLEADING = "misleading", _("The post is misleading")
    NOT_MISLEADING = "not_misleading", _("The post is not misleading")


class NoteStatus(models.TextChoices):
    NEEDS_MORE_RATINGS = "needs_more_ratings", _("Needs more ratings")
    HELPFUL = "helpful", _("Helpful")
    NOT_HELPFUL = "not_helpful", _("Not helpful")


class CommunityNote(models.Model):
    """Context or a fact-check on a post, shown once raters who disagree find it helpful."""

    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes"
    )
    classification = models.CharField(max_length=16, choices=NoteClassification.choices)
    body = models.TextField(_("note"), max_length=2000)
    sources = models.JSONField(_("sources"), default=list, blank=True)
    status = models.CharField(
        max_length=24, choices=NoteStatus.choices, default=NoteStatus.NEEDS_MORE_RATINGS
    )
    # The scorer's last word on it (notes.scoring).
    intercept = models.FloatField(null=True, blank=True)
    factor = models.FloatField(null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)
    scored_at = models.DateTimeField(null=True, blank=True)
    is_removed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One note per member per post: a second thought is an edit of the first.
            models.UniqueConstraint(fields=["post", "author"], name="note_once_per_member"),
        ]
        indexes = [
            models.Index(fields=["post", "-created_at", "-id"], name="note_by_post"),
            # Feeds ask which of their posts carry a helpful note.
            models.Index(
                fields=["post"],
                condition=models.Q(status="helpful", is_removed=False),
                name="note_helpful_by_post",
            ),
        ]

    def __str__(self) -> str:
        return f"note {self.pk} on post {self.post_id}"


class Helpfulness(models.TextChoices):
    YES = "yes", _("Helpful")
    SOMEWHAT = "somewhat", _("Somewhat helpful")
    NO = "no", _("Not helpful")


class NoteRating(models.Model):
    """One member's rating of one note; they may change it."""

    note = models.ForeignKey(CommunityNote, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="note_ratings"
    )
    helpful = models.CharField(max_length=8, choices=Helpfulness.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["note", "rater"], name="note_rating_once")]

    def __str__(self) -> str:
        return f"{self.rater_id} rates note {self.note_id} {self.helpful}"


class NoteRevision(models.Model):
    """One version of a note as its author wrote it: the first, then one per edit.

    The note holds the current version; its revisions are its history, every change
    with its author, time and summary (DESIGN.md: a community note is revisioned).
    """

    note = models.ForeignKey(CommunityNote, on_delete=models.CASCADE, related_name="revisions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(_("edit summary"), max_length=300, blank=True)
    classification = models.CharField(max_length=16, choices=NoteClassification.choices)
    body = models.TextField(_("note"), max_length=2000)
    sources = models.JSONField(_("sources"), default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["note", "-created_at", "-id"], name="note_revision_recent"),
        ]

    def __str__(self) -> str:
        return f"revision {self.pk} of note {self.note_id}"
