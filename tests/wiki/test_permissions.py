"""wiki.permissions walked for every role: what may be done with one revision, given
what its page's owner allows (a post's rules here; posts' own table walks those)."""

from __future__ import annotations

import pytest

from tests.moderation import places
from tests.moderation.places import Place
from tests.permission_tables import (
    ADMITTED,
    NOBODY,
    Row,
    check_row,
    only,
    rows_param,
    rules_walked,
)
from tribune.posts.models import Post
from tribune.posts.revisions import PostRevisions
from tribune.wiki.models import Revision
from tribune.wiki.permissions import (
    can_restore_revision,
    can_review_revision,
    can_roll_back_to_before,
)

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)

MODERATORS = only("submod", "sitemod", "staff", "owner")


def owner(who: object, post: Post) -> PostRevisions:
    return PostRevisions(who, post)  # type: ignore[arg-type]  # a role's person


def first(post: Post) -> Revision:
    return Revision.objects.filter(page=post.page_id).order_by("pk").first()  # type: ignore[return-value]


ROWS = [
    Row(
        "can_restore_revision",
        "an open post's earlier revision: whoever edits it live",
        lambda place, who: can_restore_revision(owner(who, place.post), first(place.post)),
        ADMITTED,
    ),
    Row(
        "can_restore_revision",
        "the current revision: nobody (it is what the post reads)",
        lambda place, who: can_restore_revision(owner(who, place.post), place.live_edit),
        NOBODY,
    ),
    Row(
        "can_restore_revision",
        "a pending revision: nobody (it was never read as it stands)",
        lambda place, who: can_restore_revision(owner(who, place.reviewed), place.pending_edit),
        NOBODY,
    ),
    Row(
        "can_review_revision",
        "a pending revision of a reviewed post: its trusted editors",
        lambda place, who: can_review_revision(owner(who, place.reviewed), place.pending_edit),
        MODERATORS | {"trusted", "author"},
    ),
    Row(
        "can_review_revision",
        "a live revision: nobody",
        lambda place, who: can_review_revision(owner(who, place.post), place.live_edit),
        NOBODY,
    ),
    Row(
        "can_roll_back_to_before",
        "the current revision, someone else's edit: the post's moderators",
        lambda place, who: can_roll_back_to_before(owner(who, place.post), place.live_edit),
        MODERATORS,
    ),
    Row(
        "can_roll_back_to_before",
        "an earlier revision: nobody (rollback starts from the current one)",
        lambda place, who: can_roll_back_to_before(owner(who, place.post), first(place.post)),
        NOBODY,
    ),
]

RULES_WALKED = rules_walked(ROWS)


@rows_param(ROWS)
def test_each_role_may_exactly_what_the_table_says(row: Row, place: Place, settings):
    check_row(row, place, settings)


def test_the_owner_is_asked_once_for_a_whole_history(place, django_assert_num_queries):
    # The post as its pages read it: with its page (posts.selectors.post_get).
    post = Post.objects.select_related("page", "subwiki").get(pk=place.post.pk)
    rights = owner(place.roles["submod"], post)
    revisions = list(Revision.objects.filter(page=post.page_id))
    rights.rights  # noqa: B018  # asked once, here
    with django_assert_num_queries(0):
        for revision in revisions:
            can_restore_revision(rights, revision)
            can_review_revision(rights, revision)
            can_roll_back_to_before(rights, revision)
