"""The rules of subwikis, memberships and follows, as their services enforce them."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, make_subwiki
from tribune.communities import selectors, services
from tribune.communities.models import Membership, MembershipState, Role, Subwiki, SubwikiFollow
from tribune.core.exceptions import Forbidden, NotFound, ServiceError

pytestmark = pytest.mark.django_db


def refreshed(subwiki: Subwiki) -> Subwiki:
    subwiki.refresh_from_db()
    return subwiki


# --- Creating ---------------------------------------------------------------------


def test_the_creator_is_owner_member_and_follower(member):
    subwiki = services.subwiki_create(
        actor=member, name="Climate", slug="Climate", description="About *weather*."
    )
    assert subwiki.slug == "climate"
    membership = Membership.objects.get(subwiki=subwiki, member=member)
    assert membership.role == Role.OWNER and membership.is_active
    assert SubwikiFollow.objects.filter(subwiki=subwiki, member=member).exists()
    assert (refreshed(subwiki).member_count, subwiki.follower_count) == (1, 1)
    assert subwiki.page.current_revision is not None
    assert subwiki.page.current_revision.content["description"] == "About *weather*."


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  ", "slug": "fine"}, "name"),
        ({"name": "x" * 81, "slug": "fine"}, "name"),
        ({"name": "Fine", "slug": "new"}, "slug"),
        ({"name": "Fine", "slug": "has space"}, "slug"),
        ({"name": "Fine", "slug": "a"}, "slug"),
        ({"name": "Fine", "slug": "fine", "visibility": "secret"}, "visibility"),
        ({"name": "Fine", "slug": "fine", "description": "x" * 20_001}, "description"),
    ],
)
def test_bad_input_names_the_field(member, fields, field):
    with pytest.raises(ServiceError) as caught:
        services.subwiki_create(actor=member, **fields)
    assert field in (caught.value.errors or {})
    assert not Subwiki.objects.exists()


def test_a_taken_address_is_refused_whatever_its_case(member, other_member):
    make_subwiki(member, slug="climate")
    with pytest.raises(ServiceError) as caught:
        services.subwiki_create(actor=other_member, name="Other", slug="CLIMATE")
    assert caught.value.errors == {"slug": ["This address is taken."]}


def test_waitlisted_members_cannot_create(waitlisted):
    with pytest.raises(Forbidden):
        services.subwiki_create(actor=waitlisted, name="Mine", slug="mine")


# --- Joining and leaving ------------------------------------------------------------


def test_joining_a_public_subwiki_makes_a_member_who_follows(member, other_member):
    subwiki = make_subwiki(member)
    membership = services.subwiki_join(actor=other_member, subwiki=subwiki)
    assert membership.is_active and membership.role == Role.MEMBER
    assert (refreshed(subwiki).member_count, subwiki.follower_count) == (2, 2)


def test_joining_twice_is_refused_with_a_reason(member, other_member):
    subwiki = make_subwiki(member)
    services.subwiki_join(actor=other_member, subwiki=subwiki)
    with pytest.raises(ServiceError) as caught:
        services.subwiki_join(actor=other_member, subwiki=subwiki)
    assert caught.value.code == "already_member"


def test_a_private_subwiki_is_joined_by_request_and_approval(member, other_member):
    subwiki = make_subwiki(member, visibility="private")
    request = services.subwiki_join(actor=other_member, subwiki=subwiki)
    assert request.state == MembershipState.REQUESTED
    assert refreshed(subwiki).member_count == 1
    with pytest.raises(NotFound):
        selectors.subwiki_get(viewer=other_member, slug=subwiki.slug)

    services.membership_approve(actor=member, subwiki=subwiki, username=other_member.username)
    assert refreshed(subwiki).member_count == 2
    assert selectors.subwiki_get(viewer=other_member, slug=subwiki.slug) == subwiki


def test_only_moderators_approve(member, other_member):
    subwiki = make_subwiki(member, visibility="private")
    services.subwiki_join(actor=other_member, subwiki=subwiki)
    with pytest.raises(Forbidden):
        services.membership_approve(
            actor=other_member, subwiki=subwiki, username=other_member.username
        )


def test_an_invitation_is_accepted_by_joining(member, other_member):
    subwiki = make_subwiki(member, visibility="private")
    invitation = services.membership_invite(
        actor=member, subwiki=subwiki, username=other_member.username.upper()
    )
    assert invitation.state == MembershipState.INVITED
    joined = services.subwiki_join(actor=other_member, subwiki=subwiki)
    assert joined.is_active
    assert refreshed(subwiki).member_count == 2


def test_inviting_an_unknown_username_names_the_field(member):
    subwiki = make_subwiki(member)
    with pytest.raises(ServiceError) as caught:
        services.membership_invite(actor=member, subwiki=subwiki, username="nobody-here")
    assert "username" in (caught.value.errors or {})


def test_the_last_owner_cannot_leave(member):
    subwiki = make_subwiki(member)
    with pytest.raises(ServiceError) as caught:
        services.subwiki_leave(actor=member, subwiki=subwiki)
    assert caught.value.code == "last_owner"
    assert Membership.objects.filter(subwiki=subwiki, member=member).exists()


def test_an_owner_leaves_once_there_is_another(member, other_member):
    subwiki = make_subwiki(member)
    services.subwiki_join(actor=other_member, subwiki=subwiki)
    services.membership_set_role(
        actor=member, subwiki=subwiki, username=other_member.username, role=Role.OWNER
    )
    services.subwiki_leave(actor=member, subwiki=subwiki)
    assert refreshed(subwiki).member_count == 1


def test_leaving_a_private_subwiki_stops_following_it(member, other_member):
    subwiki = make_subwiki(member, visibility="private")
    services.membership_invite(actor=member, subwiki=subwiki, username=other_member.username)
    services.subwiki_join(actor=other_member, subwiki=subwiki)
    services.subwiki_follow(actor=other_member, subwiki=subwiki)
    services.subwiki_leave(actor=other_member, subwiki=subwiki)
    assert not SubwikiFollow.objects.filter(subwiki=subwiki, member=other_member).exists()
    assert refreshed(subwiki).follower_count == 1


def test_removing_says_what_was_removed(member, other_member):
    subwiki = make_subwiki(member, visibility="private")
    services.subwiki_join(actor=other_member, subwiki=subwiki)
    removed = services.membership_remove(
        actor=member, subwiki=subwiki, username=other_member.username
    )
    assert removed.state == MembershipState.REQUESTED
    assert not Membership.objects.filter(member=other_member).exists()


def test_a_subwiki_keeps_at_least_one_owner(member):
    subwiki = make_subwiki(member)
    with pytest.raises(ServiceError) as caught:
        services.membership_set_role(
            actor=member, subwiki=subwiki, username=member.username, role=Role.MEMBER
        )
    assert caught.value.code == "last_owner"


def test_moderators_cannot_change_roles(member, other_member):
    subwiki = make_subwiki(member)
    services.subwiki_join(actor=other_member, subwiki=subwiki)
    services.membership_set_role(
        actor=member, subwiki=subwiki, username=other_member.username, role=Role.MODERATOR
    )
    with pytest.raises(Forbidden):
        services.membership_set_role(
            actor=other_member, subwiki=subwiki, username=member.username, role=Role.MEMBER
        )


# --- Finding a private subwiki to ask to join -------------------------------------------


def test_an_admitted_outsider_finds_a_private_subwiki_to_ask_to_join(member, other_member):
    subwiki = make_subwiki(member, visibility="private")
    assert selectors.subwiki_get_any(viewer=other_member, slug=subwiki.slug) == subwiki


def test_a_waitlisted_outsider_is_not_told_a_private_subwiki_exists(member, waitlisted):
    subwiki = make_subwiki(member, visibility="private")
    with pytest.raises(NotFound):
        selectors.subwiki_get_any(viewer=waitlisted, slug=subwiki.slug)


# --- Follows and defaults ---------------------------------------------------------------


def test_follow_and_unfollow_are_idempotent(member, other_member):
    subwiki = make_subwiki(member)
    assert services.subwiki_follow(actor=other_member, subwiki=subwiki)
    assert not services.subwiki_follow(actor=other_member, subwiki=subwiki)
    assert refreshed(subwiki).follower_count == 2
    assert services.subwiki_unfollow(actor=other_member, subwiki=subwiki)
    assert not services.subwiki_unfollow(actor=other_member, subwiki=subwiki)
    assert refreshed(subwiki).follower_count == 1


def test_outsiders_cannot_follow_a_private_subwiki(member, other_member):
    subwiki = make_subwiki(member, visibility="private")
    with pytest.raises(NotFound):
        services.subwiki_follow(actor=other_member, subwiki=subwiki)


def test_new_members_follow_the_public_default_subwikis(member):
    news = make_subwiki(member, slug="news")
    science = make_subwiki(member, slug="science")
    secret = make_subwiki(member, slug="secret", visibility="private")
    make_subwiki(member, slug="not-default")
    Subwiki.objects.filter(pk__in=[news.pk, science.pk, secret.pk]).update(is_default=True)
    newcomer = MemberFactory.create()

    assert services.member_follow_default_subwikis(member=newcomer) == 2
    followed = set(
        SubwikiFollow.objects.filter(member=newcomer).values_list("subwiki__slug", flat=True)
    )
    assert followed == {"news", "science"}
    assert refreshed(news).follower_count == 2


# --- Settings ---------------------------------------------------------------------------


def test_only_owners_and_staff_change_settings(member, other_member, staff):
    subwiki = make_subwiki(member)
    services.subwiki_join(actor=other_member, subwiki=subwiki)
    settings = {
        "name": "Renamed",
        "visibility": "private",
        "description_edit_policy": "protected",
        "min_post_edit_policy": "members",
    }
    with pytest.raises(Forbidden):
        services.subwiki_update_settings(actor=other_member, subwiki=subwiki, **settings)
    services.subwiki_update_settings(actor=staff, subwiki=subwiki, **settings)
    assert refreshed(subwiki).name == "Renamed" and subwiki.is_private


def test_every_way_of_becoming_a_member_follows(member, other_member):
    invited, requested = MemberFactory.create(), MemberFactory.create()
    subwiki = make_subwiki(member, visibility="private")
    services.membership_invite(actor=member, subwiki=subwiki, username=invited.username)
    assert not SubwikiFollow.objects.filter(member=invited).exists()
    services.subwiki_join(actor=invited, subwiki=subwiki)
    services.subwiki_join(actor=requested, subwiki=subwiki)
    services.membership_approve(actor=member, subwiki=subwiki, username=requested.username)
    services.subwiki_join(actor=other_member, subwiki=subwiki)
    services.membership_invite(actor=member, subwiki=subwiki, username=other_member.username)
    followers = set(SubwikiFollow.objects.filter(subwiki=subwiki).values_list("member", flat=True))
    assert followers == {member.pk, invited.pk, requested.pk, other_member.pk}
    assert refreshed(subwiki).follower_count == 4
