"""What a report or a moderation action is about: "post:ID", "comment:ID", "revision:ID",
"note:ID" (a community note) or "member:USERNAME", found for a viewer through the
selectors of the app it belongs to.

A target the viewer may not see is not found, exactly as the thing itself would be (a
private subwiki's post to an outsider), so that reporting it confirms nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.permissions import Viewer, can_view_profiles
from tribune.accounts.selectors import member_get_profile
from tribune.communities.models import Subwiki
from tribune.communities.permissions import can_view_subwiki
from tribune.core.exceptions import NotFound, ServiceError
from tribune.notes.models import CommunityNote
from tribune.notes.selectors import note_get
from tribune.posts.models import Post
from tribune.posts.permissions import can_view_post
from tribune.posts.selectors import post_get
from tribune.talk.models import Comment
from tribune.talk.selectors import as_id, comment_get
from tribune.wiki.models import PageKind, Revision

TargetKind = Literal["post", "comment", "revision", "note", "member"]
TARGET_KINDS: tuple[TargetKind, ...] = ("post", "comment", "revision", "note", "member")
MAX_TARGET = 64  # Report.target and ModerationAction.target hold this much


class InvalidTarget(ServiceError):
    code = "invalid_target"

    def __init__(self) -> None:
        message = _(
            'Name what you mean as "post:ID", "comment:ID", "revision:ID", "note:ID" or '
            '"member:USERNAME".'
        )
        super().__init__(message, errors={"target": [message]})


@dataclass(frozen=True)
class Target:
    """A reportable thing, the subwiki whose queue it belongs to, and the member concerned."""

    kind: TargetKind
    obj: Post | Comment | Revision | CommunityNote | Member
    # Whose queue: None for profile posts (and their talk) and for members, which go to staff.
    subwiki: Subwiki | None
    # The member whose content it is (or the member themself); None for an erased author.
    member: Member | None
    # The post it is, or belongs to (a comment's, a revision's, a note's); None for
    # members and revisions of subwiki descriptions.
    post: Post | None = None

    @property
    def key(self) -> str:
        """The stored key: members by id, so that the key outlives a change of username."""
        return f"{self.kind}:{self.obj.pk}"

    @property
    def name(self) -> str:
        """The target as the API spells it ("member:alice")."""
        if isinstance(self.obj, Member):
            return f"member:{self.obj.username}"
        return self.key

    @property
    def revision(self) -> Revision:
        assert isinstance(self.obj, Revision)  # noqa: S101  # callers check kind first
        return self.obj


def split_target(value: object) -> tuple[TargetKind, str]:
    """The kind and the identifier of a target as a client wrote it; InvalidTarget otherwise."""
    if not isinstance(value, str) or len(value) > MAX_TARGET:
        raise InvalidTarget
    kind, sep, ident = value.strip().partition(":")
    ident = ident.strip()
    if not sep or not ident or kind not in TARGET_KINDS or "\x00" in ident:
        raise InvalidTarget
    return kind, ident  # type: ignore[return-value]  # checked against TARGET_KINDS


def target_get(*, viewer: Viewer, target: object) -> Target:
    """The target the viewer names, if they may see it; InvalidTarget, or NotFound."""
    kind, ident = split_target(target)
    if kind == "member":
        member = member_get_profile(viewer=viewer, username=ident)
        return Target(kind="member", obj=member, subwiki=None, member=member)
    if as_id(ident) is None:
        raise NotFound
    if kind == "post":
        post = post_get(viewer=viewer, post_id=ident)
        return Target(kind="post", obj=post, subwiki=post.subwiki, member=post.author, post=post)
    if kind == "comment":
        comment = comment_get(viewer=viewer, comment_id=ident)
        return Target(
            kind="comment",
            obj=comment,
            subwiki=comment.post.subwiki,
            member=comment.author,
            post=comment.post,
        )
    if kind == "note":
        # A removed note stays found by its post's moderators, who may restore it.
        note = note_get(viewer=viewer, note_id=ident, removed=True)
        return target_of(note)
    return _revision_target(viewer, ident)


def target_from_key(*, viewer: Viewer, key: str) -> Target:
    """The target of a stored key (members by id), as target_get finds it for the viewer."""
    kind, ident = split_target(key)
    if kind != "member":
        return target_get(viewer=viewer, target=key)
    pk = as_id(ident) or 0  # no member has the id 0
    member = Member.objects.filter(pk=pk, is_active=True).first()
    if member is None or not can_view_profiles(viewer):
        raise NotFound
    return Target(kind="member", obj=member, subwiki=None, member=member)


def _revision_target(viewer: Viewer, ident: str) -> Target:
    """A revision of a post or of a subwiki's description, as visible as what it revises."""
    revision = (
        Revision.objects.select_related(
            "author", "page__post__author", "page__post__subwiki", "page__subwiki_owner"
        )
        .filter(pk=as_id(ident) or 0)  # target_get checked that it is an id
        .first()
    )
    if revision is None:
        raise NotFound
    if revision.page.kind == PageKind.POST:
        post: Post = revision.page.post
        if not can_view_post(viewer, post):
            raise NotFound
        return Target(
            kind="revision", obj=revision, subwiki=post.subwiki, member=revision.author, post=post
        )
    subwiki: Subwiki = revision.page.subwiki_owner
    if not can_view_subwiki(viewer, subwiki):
        raise NotFound
    return Target(kind="revision", obj=revision, subwiki=subwiki, member=revision.author)


def target_of(obj: Post | Comment | Revision | CommunityNote | Member) -> Target:
    """The target of a thing already read with what it belongs to (no query when the post,
    subwiki and authors are loaded): for lists that only show what the viewer may see."""
    if isinstance(obj, Post):
        return Target(kind="post", obj=obj, subwiki=obj.subwiki, member=obj.author, post=obj)
    if isinstance(obj, Comment):
        post = obj.post
        return Target(kind="comment", obj=obj, subwiki=post.subwiki, member=obj.author, post=post)
    if isinstance(obj, CommunityNote):
        post = obj.post
        return Target(kind="note", obj=obj, subwiki=post.subwiki, member=obj.author, post=post)
    if isinstance(obj, Revision):
        if obj.page.kind == PageKind.POST:
            owner: Post = obj.page.post
            return Target(
                kind="revision", obj=obj, subwiki=owner.subwiki, member=obj.author, post=owner
            )
        subwiki: Subwiki = obj.page.subwiki_owner
        return Target(kind="revision", obj=obj, subwiki=subwiki, member=obj.author)
    return Target(kind="member", obj=obj, subwiki=None, member=obj)


def display_target(key: str, member: Member | None) -> str:
    """A stored key as the API spells it: members by username when the member is known."""
    if key.startswith("member:") and member is not None and key == f"member:{member.pk}":
        return f"member:{member.username}"
    return key
