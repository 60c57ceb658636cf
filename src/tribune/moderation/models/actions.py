"""Moderation actions (the public log), appeals against them, and subwiki bans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ActionKind(models.TextChoices):
    REMOVE = "remove", _("Remove")
    RESTORE = "restore", _("Restore")
    LOCK = "lock", _("Lock")
    UNLOCK = "unlock", _("Unlock")
    PROTECT = "protect", _("Protect")
    BAN = "ban", _("Ban from a subwiki")
    UNBAN = "unban", _("Lift a ban")
    SUSPEND = "suspend", _("Suspend an account")
    UNSUSPEND = "unsuspend", _("Lift a suspension")
    DISMISS = "dismiss", _("Dismiss a report")
    APPROVE_REVISION = "approve_revision", _("Approve a revision")
    REJECT_REVISION = "reject_revision", _("Reject a revision")
    ROLLBACK = "rollback", _("Roll back a member's edits")
    PATROL = "patrol", _("Mark patrolled")
    APPEAL_DECIDED = "appeal_decided", _("Decide an appeal")


class ModerationAction(models.Model):
    """One line of the public moderation log: who did what to what, why, and when."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=24, choices=ActionKind.choices)
    target = models.CharField(_("target"), max_length=64)
    # The member affected: told of it, and the one who may appeal.
    affected = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions_against",
    )
    # Set when it concerns a subwiki: a private one's entries are for its members only.
    subwiki = models.ForeignKey(
        "communities.Subwiki", on_delete=models.CASCADE, null=True, blank=True
    )
    reason = models.TextField(_("reason"), max_length=2000)
    expires_at = models.DateTimeField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="modlog_recent"),
            models.Index(fields=["subwiki", "-created_at", "-id"], name="modlog_subwiki"),
            models.Index(fields=["affected", "-created_at", "-id"], name="modlog_affected"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"


class AppealState(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted")
    DENIED = "denied", _("Denied")


class Appeal(models.Model):
    """The affected member's one appeal against an action; staff decide it."""

    action = models.OneToOneField(ModerationAction, on_delete=models.CASCADE, related_name="appeal")
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appeals"
    )
    text = models.TextField(_("appeal"), max_length=4000)
    state = models.CharField(
        max_length=16, choices=AppealState.choices, default=AppealState.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decision = models.TextField(_("decision"), max_length=2000, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"], name="appeal_queue")]

    def __str__(self) -> str:
        return f"appeal of {self.action_id}"


class Ban(models.Model):
    """A member may not post, edit or comment in a subwiki until it expires or is lifted."""

    subwiki = models.ForeignKey("communities.Subwiki", on_delete=models.CASCADE)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bans"
    )
    action = models.ForeignKey(ModerationAction, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subwiki", "member"],
                condition=models.Q(lifted_at__isnull=True),
                name="ban_one_standing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} banned from {self.subwiki_id}"
