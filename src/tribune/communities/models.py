from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone can read; members join freely")
    PRIVATE = "private", _("Private: only members can read; joining needs approval")


class EditPolicy(models.TextChoices):
    """Who may edit a post or description, from the most open to the most closed."""

    OPEN = "open", _("Open: any admitted member")
    REVIEWED = "reviewed", _("Reviewed: edits by newer members wait for approval")
    MEMBERS = "members", _("Members: members of the subwiki")
    PROTECTED = "protected", _("Protected: moderators")
    LOCKED = "locked", _("Locked: the author only")


EDIT_POLICY_ORDER = [p.value for p in EditPolicy]


def policy_at_least(policy: str, floor: str) -> bool:
    return EDIT_POLICY_ORDER.index(policy) >= EDIT_POLICY_ORDER.index(floor)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MODERATOR = "moderator", _("Moderator")
    MEMBER = "member", _("Member")


class MembershipState(models.TextChoices):
    ACTIVE = "active", _("Member")
    REQUESTED = "requested", _("Asked to join")
    INVITED = "invited", _("Invited")


class Subwiki(models.Model):
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("address"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    page = models.OneToOneField("wiki.Page", on_delete=models.PROTECT, related_name="subwiki_owner")
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    description_edit_policy = models.CharField(
        _("who may edit the description"),
        max_length=16,
        choices=EditPolicy.choices,
        default=EditPolicy.MEMBERS,
    )
    min_post_edit_policy = models.CharField(
        _("most open edit policy a post may choose"),
        max_length=16,
        choices=EditPolicy.choices,
        default=EditPolicy.OPEN,
    )
    is_default = models.BooleanField(
        _("followed by new members"),
        default=False,
        help_text=_("New members start by following the default subwikis."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    member_count = models.PositiveIntegerField(default=0)
    follower_count = models.PositiveIntegerField(default=0)
    post_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("subwiki")
        verbose_name_plural = _("subwikis")
        indexes = [
            models.Index(fields=["visibility", "-created_at", "-id"], name="subwiki_listing"),
            models.Index(
                fields=["is_default"], condition=Q(is_default=True), name="subwiki_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("feeds:subwiki", kwargs={"slug": self.slug})

    @property
    def is_private(self) -> bool:
        return self.visibility == Visibility.PRIVATE


class Membership(models.Model):
    subwiki = models.ForeignKey(Subwiki, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(
        max_length=16, choices=MembershipState.choices, default=MembershipState.ACTIVE
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subwiki", "member"], name="membership_unique")
        ]
        indexes = [
            models.Index(fields=["member", "state"], name="membership_of_member"),
            models.Index(fields=["subwiki", "state", "-created_at"], name="membership_listing"),
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.subwiki} ({self.role}, {self.state})"

    @property
    def is_active(self) -> bool:
        return self.state == MembershipState.ACTIVE

    @property
    def is_moderator(self) -> bool:
        return self.is_active and self.role in {Role.OWNER, Role.MODERATOR}


class SubwikiFollow(models.Model):
    subwiki = models.ForeignKey(Subwiki, on_delete=models.CASCADE, related_name="follows")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subwiki_follows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "subwiki"], name="subwiki_follow_unique")
        ]
        indexes = [models.Index(fields=["subwiki", "-created_at"], name="subwiki_followers")]

    def __str__(self) -> str:
        return f"{self.member} follows {self.subwiki}"
