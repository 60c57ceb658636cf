"""Revisioned pages: the editing machinery shared by posts and subwiki descriptions.

A Page is one editable document; every saved change is a Revision holding a full
snapshot of its fields. Live revisions form one chain (each has at most one live
child, enforced by a unique constraint), so two saves from the same base can
never both go live unmerged.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RevisionStatus(models.TextChoices):
    LIVE = "live", _("live")
    PENDING = "pending", _("pending review")
    REJECTED = "rejected", _("rejected")


class PageKind(models.TextChoices):
    POST = "post", _("post")
    SUBWIKI = "subwiki", _("subwiki description")


class Page(models.Model):
    kind = models.CharField(max_length=16, choices=PageKind.choices)
    # Denormalised from the owner so that recent changes and privacy filters of a
    # subwiki need no join through posts.
    subwiki = models.ForeignKey(
        "communities.Subwiki",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pages",
    )
    current_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pending_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} page {self.pk}"


class Revision(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    subwiki = models.ForeignKey(
        "communities.Subwiki",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    # For a live revision: the live revision it follows. For a pending one: the
    # live revision it was written against (its base).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="revisions",
    )
    created_at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(_("edit summary"), max_length=300, blank=True)
    content = models.JSONField(_("content"))
    size = models.PositiveIntegerField(default=0)
    size_delta = models.IntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=RevisionStatus.choices, default=RevisionStatus.LIVE
    )
    merged = models.BooleanField(
        default=False, help_text=_("Saved from an older revision and merged with newer ones.")
    )
    reverted_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    patrolled = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["parent"],
                condition=Q(status="live"),
                name="revision_one_live_child",
            ),
            models.UniqueConstraint(
                fields=["page"],
                condition=Q(parent__isnull=True),
                name="revision_one_root_per_page",
            ),
        ]
        indexes = [
            models.Index(fields=["page", "-created_at", "-id"], name="revision_page_recent"),
            models.Index(fields=["author", "-created_at", "-id"], name="revision_author_recent"),
            models.Index(fields=["subwiki", "-created_at", "-id"], name="revision_subwiki_recent"),
            models.Index(fields=["-created_at", "-id"], name="revision_recent"),
            models.Index(
                fields=["page", "status"],
                condition=Q(status="pending"),
                name="revision_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"revision {self.pk} of page {self.page_id}"

    @property
    def is_live(self) -> bool:
        return self.status == RevisionStatus.LIVE

    def field(self, name: str) -> Any:
        return self.content.get(name, "")


def content_size(content: dict[str, Any]) -> int:
    """Size in bytes of a snapshot's text, for the size delta shown in histories."""
    return sum(len(str(value).encode()) for value in content.values())
