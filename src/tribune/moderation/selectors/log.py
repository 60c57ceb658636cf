"""The public moderation log: every action, newest first, readable by every member
(what concerns a private subwiki only by its members), and where each line links to.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from tribune.accounts.models import Member
from tribune.accounts.permissions import (
    Viewer,
    is_staff,
)
from tribune.communities.models import Subwiki
from tribune.communities.selectors import subwiki_visibility_q
from tribune.core.exceptions import NotFound
from tribune.core.pagination import Page as ListPage
from tribune.core.pagination import (
    paginate_keyset,
)
from tribune.moderation.models import (
    ModerationAction,
)
from tribune.moderation.permissions import (
    can_read_log,
)


def log_visibility_q(viewer: Viewer) -> Q:
    """Log entries the viewer may read: all but a private subwiki's, which are for its
    members and staff; one's own entries (for appeals) wherever they are."""
    if not can_read_log(viewer):
        return Q(pk__in=[])
    if is_staff(viewer):
        return Q()
    visible = Q(subwiki__isnull=True) | subwiki_visibility_q(viewer, prefix="subwiki__")
    if viewer.is_authenticated:
        visible |= Q(affected_id=viewer.pk)
    return visible


def log_queryset(viewer: Viewer) -> QuerySet[ModerationAction]:
    """The base of every log read, with what a line shows (actor, member, subwiki, appeal)."""
    return ModerationAction.objects.filter(log_visibility_q(viewer)).select_related(
        "actor", "affected", "subwiki", "appeal"
    )


def log_entries(
    *,
    viewer: Viewer,
    subwiki: Subwiki | None = None,
    action: str | None = None,
    cursor: str | None = None,
    limit: int | str | None = None,
) -> ListPage[ModerationAction]:
    """The moderation log, newest first; one subwiki's or one kind of action's if asked.

    The caller has fetched `subwiki` with subwiki_get (which 404s what may not be read).
    """
    queryset = log_queryset(viewer)
    if subwiki is not None:
        queryset = queryset.filter(subwiki=subwiki)
    if action:
        queryset = queryset.filter(action=action)
    return paginate_keyset(queryset, cursor=cursor, limit=limit)


def log_entry_get(*, viewer: Viewer, action_id: object) -> ModerationAction:
    """One log line the viewer may read; NotFound otherwise."""
    try:
        pk = int(str(action_id))
    except (TypeError, ValueError):
        raise NotFound from None
    if not 0 < pk < 2**63:
        raise NotFound
    found = log_queryset(viewer).filter(pk=pk).first()
    if found is None:
        raise NotFound
    return found


def target_url(key: str, details: dict[str, Any], member: Member | None) -> str | None:
    """Where a log line's or report's target lives, from what the line keeps (no query)."""
    kind, _sep, ident = key.partition(":")
    post = details.get("post")
    if kind == "post":
        return reverse("posts:detail", args=[int(ident)])
    if kind == "comment" and post:
        return reverse("posts:detail", args=[post]) + f"#comment-{ident}"
    if kind == "note" and ident.isdigit():
        return reverse("notes:note", args=[int(ident)])
    if kind == "revision" and post:
        return reverse("posts:revision", args=[post, int(ident)])
    if kind == "revision" and details.get("description_of"):
        slug = details["description_of"]
        return reverse("communities:description_diff", args=[slug]) + f"?to={int(ident)}"
    if kind == "member" and member is not None:
        return member.get_absolute_url()
    return None
