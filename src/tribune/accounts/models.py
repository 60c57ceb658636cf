from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
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
    # The place in the waitlist, as a sort key: set when a waitlisted member confirms
    # their e-mail, cleared on admission (accounts.waitlist keeps it consistent).
    waitlist_key = models.BigIntegerField(_("waitlist key"), null=True, blank=True, editable=False)
    admitted_at = models.DateTimeField(_("admitted"), null=True, blank=True)
    # A supporter until this time: extended by each payment (funding), never cut short.
    supporter_until = models.DateTimeField(_("supporter until"), null=True, blank=True)
    show_supporter_badge = models.BooleanField(
        _("show the supporter badge"),
        default=True,
        help_text=_("Show a badge on the profile while the member supports the site."),
    )
    # Site-wide moderator: moderates every subwiki; staff (is_staff) also run the site.
    is_moderator = models.BooleanField(_("site moderator"), default=False)
    created_at = models.DateTimeField(_("joined"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        indexes = [
            # Positions count the keys ahead of one's own; admission reads the smallest.
            models.Index(
                fields=["waitlist_key"],
                condition=models.Q(waitlist_key__isnull=False),
                name="member_waitlist",
            ),
            # A username in any letter case (/u/Ada/ for ada): members_named.
            models.Index(Upper("username"), name="member_username_upper"),
            # The funding bar counts current supporters.
            models.Index(
                fields=["supporter_until"],
                condition=models.Q(supporter_until__isnull=False),
                name="member_supporters",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def get_absolute_url(self) -> str:
        return reverse("feeds:profile", kwargs={"username": self.username})

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def is_admitted(self) -> bool:
        return self.is_active and self.access == Access.ADMITTED

    @property
    def is_suspended(self) -> bool:
        return not self.is_active or self.access == Access.SUSPENDED

    @property
    def is_waitlisted(self) -> bool:
        return self.is_active and self.access == Access.WAITLISTED

    def get_session_auth_hash(self) -> str:
        # Django ends every session whose stored hash no longer matches (as after a
        # password change). Mixing the suspension in ends a member's sessions, on all
        # their devices, at their next request once they are suspended; the log-in
        # itself is refused by accounts.adapter, tokens by api.services.
        return self._with_access(super().get_session_auth_hash())

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        # The same hashes under SECRET_KEY_FALLBACKS, which Django also accepts.
        for value in super().get_session_auth_fallback_hash():
            yield self._with_access(value)

    def _with_access(self, session_hash: str) -> str:
        if self.access == Access.SUSPENDED:
            return salted_hmac("tribune.accounts.suspended", session_hash).hexdigest()
        return session_hash

    @property
    def is_supporter(self) -> bool:
        return self.supporter_until is not None and self.supporter_until > timezone.now()

    @property
    def shows_supporter_badge(self) -> bool:
        return self.show_supporter_badge and self.is_supporter

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


class AccessMode(models.TextChoices):
    OPEN = "open", _("Open: members are admitted once they confirm their e-mail")
    WAITLIST = "waitlist", _("Waitlist: members wait in line to be admitted")
    INVITE_ONLY = "invite-only", _("Invite-only: only invitations admit")


class AccessSettings(models.Model):
    """The one row holding how people get in; staff edit it in the admin.

    An empty mode follows TRIBUNE_ACCESS_MODE. The row is also the lock that
    serialises every change to the waitlist's order.
    """

    mode = models.CharField(
        _("access mode"),
        max_length=16,
        choices=AccessMode.choices,
        blank=True,
        help_text=_(
            "Empty: follow the TRIBUNE_ACCESS_MODE setting. Changing the mode never "
            "moves anyone already waiting."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("access settings")
        verbose_name_plural = _("access settings")

    def __str__(self) -> str:
        return str(_("Access settings"))


class Invitation(models.Model):
    """A single-use code that lets a friend in (or moves a waitlisted inviter up)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    inviter = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("inviter")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_by = models.OneToOneField(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation_used",
        verbose_name=_("used by"),
    )
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    # When the friend confirmed their e-mail: the moment the invitation counts.
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [
            # "My invitations", newest first, and the monthly allowance's count.
            models.Index(fields=["inviter", "-created_at", "-id"], name="invitation_by_inviter"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def state(self) -> str:
        """`accepted`, `used` (signed up, e-mail not yet confirmed), `expired` or `open`."""
        if self.accepted_at is not None:
            return "accepted"
        if self.used_by_id is not None or self.used_at is not None:
            return "used"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"
