"""A small community to moderate, with one member of every role, for the moderation tests.

`square` is a public subwiki that `owner` owns and `submod` moderates; `annex` is
another public subwiki that `othermod` moderates; `backroom` is private, owned by
`owner`, with `author` as a member. `author` wrote a post (open), a reviewed post,
a comment, and a post in the back room; `editor` (level 0) made a live edit of the
open post and a pending edit of the reviewed one.

Import the fixtures a test module uses from here (pytest finds them by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.accounts.models import Access, Member
from tribune.communities.models import Role, Subwiki
from tribune.communities.services import membership_invite, membership_set_role, subwiki_join
from tribune.posts.models import Post
from tribune.posts.services import post_edit
from tribune.talk.models import Comment
from tribune.talk.services import comment_create
from tribune.wiki.models import Revision

ROLES = (
    "visitor",
    "waitlisted",
    "suspended",
    "member",
    "trusted",
    "submod",
    "othermod",
    "sitemod",
    "staff",
)


@dataclass
class Place:
    owner: Member
    author: Member
    editor: Member
    roles: dict[str, Any]
    square: Any
    annex: Any
    backroom: Any
    post: Post
    reviewed: Post
    comment: Comment
    private_post: Post
    live_edit: Revision
    pending_edit: Revision

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["roles"][name]
        except KeyError:
            raise AttributeError(name) from None


def make_moderator(owner: Member, subwiki: Any) -> Member:
    moderator = MemberFactory.create()
    subwiki_join(actor=moderator, subwiki=subwiki)
    membership_set_role(
        actor=owner, subwiki=subwiki, username=moderator.username, role=Role.MODERATOR
    )
    return moderator


@pytest.fixture
def place(db) -> Place:
    owner = MemberFactory.create(username="owner")
    author = MemberFactory.create(username="author")
    editor = MemberFactory.create(username="editor")
    square = make_subwiki(owner=owner, name="Square", slug="square")
    annex_owner = MemberFactory.create()
    annex = make_subwiki(owner=annex_owner, name="Annex", slug="annex")
    backroom = make_subwiki(owner=owner, name="Back room", slug="backroom", visibility="private")
    membership_invite(actor=owner, subwiki=backroom, username=author.username)
    subwiki_join(actor=author, subwiki=backroom)
    roles: dict[str, Any] = {
        "visitor": AnonymousUser(),
        "waitlisted": MemberFactory.create(access=Access.WAITLISTED),
        "suspended": MemberFactory.create(access=Access.SUSPENDED),
        "member": MemberFactory.create(trust_level=1),
        "trusted": MemberFactory.create(trust_level=2),
        "submod": make_moderator(owner, square),
        "othermod": make_moderator(annex_owner, annex),
        "sitemod": MemberFactory.create(is_moderator=True),
        "staff": MemberFactory.create(is_staff=True, is_superuser=True, is_moderator=True),
    }
    post = make_post(author=author, subwiki=square, title="Open post")
    reviewed = make_post(
        author=author, subwiki=square, title="Reviewed post", edit_policy="reviewed"
    )
    _post, live = post_edit(
        actor=editor,
        post_id=post.pk,
        changes={"body": "Vandalised.\n"},
        base_revision=post.page.current_revision_id,
    )
    _post, pending = post_edit(
        actor=editor,
        post_id=reviewed.pk,
        changes={"body": "A suggestion.\n"},
        base_revision=reviewed.page.current_revision_id,
    )
    assert pending.pending and not live.pending
    comment = comment_create(author=author, post_id=post.pk, body="A thought.")
    private_post = make_post(author=author, subwiki=backroom, title="Among ourselves")
    return Place(
        owner=owner,
        author=author,
        editor=editor,
        roles=roles,
        # Read again: membership_of keeps what it read on the objects the services used.
        square=Subwiki.objects.get(pk=square.pk),
        annex=Subwiki.objects.get(pk=annex.pk),
        backroom=Subwiki.objects.get(pk=backroom.pk),
        post=Post.objects.get(pk=post.pk),
        reviewed=Post.objects.get(pk=reviewed.pk),
        comment=comment,
        private_post=private_post,
        live_edit=live.revision,
        pending_edit=pending.revision,
    )


def fresh(member: Member) -> Member:
    """The member as stored now (services change rows, not the objects tests hold)."""
    return Member.objects.get(pk=member.pk)
