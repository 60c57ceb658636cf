from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Access(models.TextChoices):
    WAITLISTED = "waitlisted", _("Waitlisted")
    ADMITTED = "admitted", _("Admitted")
    SUSPENDED = "suspended", _("Suspended")


class Member(AbstractUser):
    """A person with an account. Username is the handle in /u/<username>/."""

    first_name = None  # type: ignore[assignment]  # one display name instead of first/last
    last_name = None  # type: ignore[assignment]

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("name"), max_length=80)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    bio = models.TextField(_("bio"), max_length=2000, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    access = models.CharField(
        _("access"), max_length=16, choices=Access.choices, default=Access.ADMITTED
    )
    # Stored here, computed by moderation, read by everyone else (DESIGN.md).
    trust_level = models.PositiveSmallIntegerField(_("trust level"), default=0)
    is_supporter = models.BooleanField(_("supporter"), default=False)
    # Site-wide moderator: moderates every subwiki; staff (is_staff) also run the site.
    is_moderator = models.BooleanField(_("site moderator"), default=False)
    created_at = models.DateTimeField(_("joined"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return self.username

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", kwargs={"username": self.username})

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def is_admitted(self) -> bool:
        return self.is_active and self.access == Access.ADMITTED

    @property
    def is_suspended(self) -> bool:
        return not self.is_active or self.access == Access.SUSPENDED

    def age_on(self, day: dt.date) -> int | None:
        if self.date_of_birth is None:
            return None
        return age_on(self.date_of_birth, day)


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years from `born` to `day` (a birthday on 29 February counts on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def member_display(user: Any) -> str:
    """How allauth names a member in its pages and mails."""
    return str(getattr(user, "name", "") or getattr(user, "username", ""))


class MemberFollow(models.Model):
    """`follower` sees `followed`'s posts on their home feed; both ways, they are friends."""

    follower = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="following")
    followed = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="member_follow_unique"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followed")), name="member_follow_not_self"
            ),
        ]
        indexes = [
            # The followers and following lists page by (created_at, id), latest first.
            models.Index(fields=["followed", "-created_at", "-id"], name="member_followers"),
            models.Index(fields=["follower", "-created_at", "-id"], name="member_following"),
        ]

    def __str__(self) -> str:
        return f"{self.follower} follows {self.followed}"
