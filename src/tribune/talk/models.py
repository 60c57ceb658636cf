"""The talk of a post: threaded comments, edited by their authors with history kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CommentState(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    DELETED = "deleted", _("Deleted by its author")
    REMOVED = "removed", _("Removed by a moderator")


class Comment(models.Model):
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="comments")
    # Denormalised from the post: privacy filters of comment lists need no join.
    subwiki = models.ForeignKey(
        "communities.Subwiki",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField(_("comment"))
    state = models.CharField(
        max_length=16, choices=CommentState.choices, default=CommentState.VISIBLE
    )
    depth = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["post", "created_at", "id"], name="comment_thread"),
            models.Index(fields=["author", "-created_at", "-id"], name="comment_author_recent"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on post {self.post_id}"

    @property
    def is_visible(self) -> bool:
        return self.state == CommentState.VISIBLE


class CommentRevision(models.Model):
    """An earlier text of an edited comment (the current text lives on the comment)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["comment", "-created_at"], name="comment_revision_recent")]

    def __str__(self) -> str:
        return f"earlier text of comment {self.comment_id}"
