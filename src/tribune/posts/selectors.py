"""Reads of posts and their revisions. Every list starts from one base queryset and
applies one visibility filter, so no page, feed or API list can show a private post."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer, is_staff
from tribune.communities.models import Subwiki
from tribune.communities.permissions import EditDecision
from tribune.communities.selectors import member_subwiki_ids, subwiki_visibility_q
from tribune.core.exceptions import Forbidden, NotFound
from tribune.core.pagination import Page as ListPage
from tribune.core.pagination import paginate_keyset
from tribune.posts.annotations import list_annotations, post_annotations
from tribune.posts.models import Post
from tribune.posts.permissions import can_view_post, post_edit_decision
from tribune.wiki.models import PageKind, Revision
from tribune.wiki.selectors import page_revision, page_revisions


def post_visibility_q(viewer: Viewer, *, prefix: str = "", join: bool = True) -> Q:
    """Which posts the viewer may read: profile posts, public subwikis, their private ones.

    `join=False` says the same without joining the subwikis: posts with no subwiki or in
    one of the subwikis the viewer may read (communities' rule, as a subquery the
    database runs once per statement). PostgreSQL's home feed needs it: a join there
    would be planned into each followed member's index scan.
    """
    if not viewer.is_authenticated and not settings.TRIBUNE_PUBLIC_READ:
        return Q(pk__in=[])
    live = Q(**{f"{prefix}is_removed": False})
    if is_staff(viewer):
        return live
    if not join:
        readable = Subwiki.objects.filter(subwiki_visibility_q(viewer)).values("pk")
        return live & (
            Q(**{f"{prefix}subwiki__isnull": True}) | Q(**{f"{prefix}subwiki_id__in": readable})
        )
    public = Q(**{f"{prefix}subwiki__isnull": True}) | Q(
        **{f"{prefix}subwiki__visibility": "public"}
    )
    if not viewer.is_authenticated:
        return live & public
    return live & (public | Q(**{f"{prefix}subwiki_id__in": member_subwiki_ids(viewer)}))


def visibility_key(viewer: Viewer) -> tuple[object, ...]:
    """Everything post_visibility_q (and communities' subwiki_visibility_q) read of the
    viewer and the settings: viewers with the same key get the same filter, so SQL built
    from it may be kept and run again (feeds.home does, for the home feed)."""
    member = viewer.pk if viewer.is_authenticated else None
    return (member, is_staff(viewer), settings.TRIBUNE_PUBLIC_READ)


def post_queryset(viewer: Viewer) -> QuerySet[Post]:
    """The base of every post read: visible posts with what a post card shows (with the
    columns other apps add, posts.annotations: the helpful community note)."""
    return (
        Post.objects.filter(post_visibility_q(viewer))
        .select_related("author", "subwiki", "page")
        .annotate(**list_annotations())
    )


def post_get(*, viewer: Viewer, post_id: int | str) -> Post:
    """A post the viewer may read; NotFound otherwise (private posts are not confirmed)."""
    try:
        pk = int(post_id)
    except (TypeError, ValueError):
        raise NotFound from None
    post = (
        Post.objects.select_related("author", "subwiki", "page__current_revision")
        .annotate(**post_annotations())
        .filter(pk=pk)
    )
    found = post.first()
    if found is None or not can_view_post(viewer, found):
        raise NotFound
    return found


def post_get_for_edit(*, viewer: Viewer, post_id: int | str) -> tuple[Post, EditDecision]:
    """A post and what an edit by the viewer would do; NotFound / Forbidden as they apply."""
    post = post_get(viewer=viewer, post_id=post_id)
    decision = post_edit_decision(viewer, post)
    if decision is EditDecision.DENIED:
        raise Forbidden(_edit_refusal(post))
    return post, decision


def _edit_refusal(post: Post) -> str:
    if post.locked_at is not None:
        return _("Moderators locked this post: nobody may edit it until they unlock it.")
    reasons = {
        "members": _("Only members of this subwiki may edit this post."),
        "protected": _("This post is protected: only moderators may edit it."),
        "locked": _("This post is locked: only its author may edit it."),
    }
    return reasons.get(post.effective_edit_policy, _("You may not edit this post."))


def posts_in_subwiki(
    *, viewer: Viewer, subwiki: Subwiki, cursor: str | None = None, limit: int | str | None = None
) -> ListPage[Post]:
    """A subwiki's posts, newest first (the caller has checked the subwiki is visible)."""
    return paginate_keyset(
        post_queryset(viewer).filter(subwiki=subwiki), cursor=cursor, limit=limit
    )


def posts_by_member(
    *, viewer: Viewer, author: Member, cursor: str | None = None, limit: int | str | None = None
) -> ListPage[Post]:
    """A member's posts that the viewer may read, newest first."""
    return paginate_keyset(post_queryset(viewer).filter(author=author), cursor=cursor, limit=limit)


# --- Revisions ----------------------------------------------------------------


def revision_visibility_q(viewer: Viewer) -> Q:
    """Revisions of pages the viewer may read (posts' and subwiki descriptions')."""
    if not viewer.is_authenticated and not settings.TRIBUNE_PUBLIC_READ:
        return Q(pk__in=[])
    if is_staff(viewer):
        return Q()
    public = Q(subwiki__isnull=True) | Q(subwiki__visibility="public")
    not_removed = Q(page__kind=PageKind.SUBWIKI) | Q(page__post__is_removed=False)
    if not viewer.is_authenticated:
        return public & not_removed
    return (public | Q(subwiki_id__in=member_subwiki_ids(viewer))) & not_removed


def revision_queryset(viewer: Viewer) -> QuerySet[Revision]:
    return (
        Revision.objects.filter(revision_visibility_q(viewer))
        .select_related("author", "subwiki", "page__post", "page__subwiki_owner")
        .defer("content")
    )


def post_revisions(
    *, viewer: Viewer, post: Post, cursor: str | None = None, limit: int | str | None = None
) -> ListPage[Revision]:
    """A post's history, newest first (pending and rejected revisions included)."""
    return page_revisions(page_id=post.page_id, cursor=cursor, limit=limit)


def post_revision(*, post: Post, revision_id: int | str) -> Revision:
    """One revision of a post (with its content); NotFound if it is not one of the post's."""
    return page_revision(page_id=post.page_id, revision_id=revision_id)


def member_contributions(
    *, viewer: Viewer, author: Member, cursor: str | None = None, limit: int | str | None = None
) -> ListPage[Revision]:
    """Every revision a member made that the viewer may see, newest first."""
    return paginate_keyset(
        revision_queryset(viewer).filter(author=author), cursor=cursor, limit=limit
    )


def recent_changes(
    *,
    viewer: Viewer,
    subwiki: Subwiki | None = None,
    cursor: str | None = None,
    limit: int | str | None = None,
) -> ListPage[Revision]:
    """Recent revisions site-wide or in one subwiki, newest first."""
    queryset = revision_queryset(viewer)
    if subwiki is not None:
        queryset = queryset.filter(subwiki=subwiki)
    return paginate_keyset(queryset, cursor=cursor, limit=limit)
