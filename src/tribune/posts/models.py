from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tribune.communities.models import EditPolicy


class PostKind(models.TextChoices):
    LINK = "link", _("Link")
    ARTICLE = "article", _("Article")
    IMAGE = "image", _("Image")
    TEXT = "text", _("Text")


class PreviewStatus(models.TextChoices):
    NONE = "none", _("No preview")
    PENDING = "pending", _("Fetching")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Unavailable")


# The fields a revision snapshots: what wiki-style editing may change.
EDITABLE_FIELDS = ("title", "body", "url", "image_alt")
MULTILINE_FIELDS = frozenset({"body"})


class Post(models.Model):
    page = models.OneToOneField("wiki.Page", on_delete=models.PROTECT, related_name="post")
    subwiki = models.ForeignKey(
        "communities.Subwiki",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="posts",
        help_text=_("Empty for a post on its author's profile."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=PostKind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    url = models.URLField(_("link"), max_length=2000, blank=True)
    edit_policy = models.CharField(
        _("who may edit"), max_length=16, choices=EditPolicy.choices, default=EditPolicy.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    image = models.ImageField(upload_to="posts/%Y/%m/", blank=True)
    image_thumbnail = models.ImageField(upload_to="posts/%Y/%m/", blank=True)
    image_alt = models.CharField(_("image description"), max_length=1000, blank=True)
    image_width = models.PositiveIntegerField(null=True, blank=True)
    image_height = models.PositiveIntegerField(null=True, blank=True)

    preview_status = models.CharField(
        max_length=16, choices=PreviewStatus.choices, default=PreviewStatus.NONE
    )
    preview_title = models.CharField(max_length=300, blank=True)
    preview_description = models.CharField(max_length=1000, blank=True)
    preview_site_name = models.CharField(max_length=200, blank=True)
    preview_image = models.ImageField(upload_to="previews/%Y/%m/", blank=True)

    is_removed = models.BooleanField(default=False)
    # A moderator's lock: nobody edits or comments until it is lifted (moderation).
    locked_at = models.DateTimeField(null=True, blank=True)
    # A moderator's protection (edit_policy "protected") may end: then the policy it
    # replaced is in force again (effective_edit_policy; posts.tasks writes it back).
    protected_until = models.DateTimeField(null=True, blank=True)
    policy_before_protection = models.CharField(
        max_length=16, choices=EditPolicy.choices, blank=True
    )
    # Counters shown on cards; kept by the services that add and remove what they count.
    comment_count = models.PositiveIntegerField(default=0)
    upvote_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["subwiki", "-created_at", "-id"], name="post_subwiki_recent"),
            models.Index(fields=["author", "-created_at", "-id"], name="post_author_recent"),
            models.Index(fields=["-created_at", "-id"], name="post_recent"),
            # The periodic task that ends protections reads only the protected posts.
            models.Index(
                fields=["protected_until"],
                condition=models.Q(protected_until__isnull=False),
                name="post_protection_expiry",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("posts:detail", kwargs={"post_id": self.pk})

    @property
    def effective_edit_policy(self) -> str:
        """The edit policy in force: an expired protection gives way to the one it replaced."""
        if self.protected_until is not None and self.protected_until <= timezone.now():
            return self.policy_before_protection or self.edit_policy
        return self.edit_policy

    def snapshot(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in EDITABLE_FIELDS}


class ReactionKind(models.TextChoices):
    UPVOTE = "upvote", _("Upvote")


class Reaction(models.Model):
    """One member's upvote of a post. Counted on cards; never orders a chronological feed."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(
        max_length=16, choices=ReactionKind.choices, default=ReactionKind.UPVOTE
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "member", "kind"], name="reaction_unique")
        ]
        indexes = [models.Index(fields=["member", "-created_at"], name="reaction_member_recent")]

    def __str__(self) -> str:
        return f"{self.member} {self.kind} {self.post_id}"
