"""A member's trust on their profile: the level, what it allows, why, and who vouches."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tribune.accounts.models import Member
from tribune.accounts.permissions import VOUCH_LEVEL, Viewer
from tribune.trust.levels import HOLD_PERCENT, MAX_LEVEL, REPORT_WINDOW_DAYS
from tribune.trust.selectors import trust_summary

register = template.Library()


def level_name(level: int) -> str:
    """What a level is called on pages."""
    names = {
        0: _("New member"),
        1: _("Member"),
        2: _("Trusted member"),
        3: _("Long-standing member"),
    }
    return names.get(level, names[MAX_LEVEL])


def level_allows(level: int) -> list[str]:
    """What a member at `level` may do, or is held to, in a few lines (docs/trust.md)."""
    if level <= 0:
        links = int(settings.TRIBUNE_SANDBOX_MAX_LINKS)
        return [
            ngettext(
                "Posts may hold at most %(n)d link.", "Posts may hold at most %(n)d links.", links
            )
            % {"n": links},
            _("Fewer posts, edits and comments an hour than other members."),
            _("Edits to reviewed posts wait for a trusted member's approval."),
        ]
    allows = [
        _("Vouch for other members and write community notes."),
        _("Post with as many links as needed, at the usual pace."),
    ]
    if level == 1:
        allows.append(_("Edits to reviewed posts still wait for a trusted member's approval."))
        return allows
    allows += [
        _("Edits to reviewed posts go live at once."),
        _("Approve or reject members' pending edits, and mark changes patrolled."),
    ]
    if level >= 3:
        allows.append(_("Roll back a member's consecutive edits of a post, as moderators do."))
    return allows


def requirement_text(name: str, value: int, needed: int) -> str:
    """One requirement as a person reads it: "Member for 40 days (needs 30)"."""
    if name == "days":
        text = ngettext(
            "Member for %(value)d day (needs %(needed)d)",
            "Member for %(value)d days (needs %(needed)d)",
            value,
        )
    elif name == "edits":
        text = ngettext(
            "%(value)d accepted edit (needs %(needed)d)",
            "%(value)d accepted edits (needs %(needed)d)",
            value,
        )
    elif name == "comments":
        text = ngettext(
            "%(value)d comment (needs %(needed)d)",
            "%(value)d comments (needs %(needed)d)",
            value,
        )
    elif name == "vouches":
        text = ngettext(
            "Vouched for by %(value)d trusted member (needs %(needed)d)",
            "Vouched for by %(value)d trusted members (needs %(needed)d)",
            value,
        )
    else:
        text = ngettext(
            "%(value)d upheld report in the last %(days)d days (at most %(needed)d)",
            "%(value)d upheld reports in the last %(days)d days (at most %(needed)d)",
            value,
        )
    return text % {"value": value, "needed": needed, "days": REPORT_WINDOW_DAYS}


def _rows(checks: list[dict[str, Any]], *, holding: bool) -> list[dict[str, Any]]:
    rows = []
    for check in checks:
        if check["met"]:
            state, label = "met", _("met")
        elif holding and check["held"]:
            # Kept by the hysteresis: above 90% of the requirement.
            state = "held"
            label = _("below, but within %(percent)d%%: the level is kept") % {
                "percent": HOLD_PERCENT
            }
        else:
            state, label = "missed", _("not met")
        rows.append(
            {
                "text": requirement_text(check["name"], check["value"], check["needed"]),
                "state": state,
                "label": label,
            }
        )
    return rows


def trust_panel_context(viewer: Viewer, member: Member) -> dict[str, Any]:
    """Everything the trust panel of a profile shows (a few queries)."""
    summary = trust_summary(viewer=viewer, member=member)
    reasons = summary.record.reasons if summary.record is not None else {}
    level = summary.level
    return {
        "member": member,
        "level": level,
        "level_name": level_name(level),
        "allows": level_allows(level),
        "record": summary.record,
        "penalty": reasons.get("change") == "penalty",
        "current_rows": _rows(reasons.get("current") or [], holding=True),
        "next_level": level + 1 if level < MAX_LEVEL else None,
        "next_rows": _rows(reasons.get("next") or [], holding=False),
        "trust": summary,
        "vouch_level": VOUCH_LEVEL,
        "vouch_limit": settings.TRIBUNE_VOUCH_LIMIT,
    }


@register.inclusion_tag("trust/_trust_panel.html", takes_context=True)
def trust_panel(context: template.Context, member: Member) -> dict[str, Any]:
    """The trust panel of `member`'s profile, with the viewer's vouch button."""
    request = context.get("request")
    viewer = context.get("user") or AnonymousUser()
    return {
        **trust_panel_context(viewer, member),
        "user": viewer,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
