"""Following members: the rules, the buttons with and without htmx, the lists and their cost."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.communities.test_pages import assert_well_formed, messages_of
from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.accounts.models import Member, MemberFollow
from tribune.accounts.selectors import (
    member_follow_summary,
    member_followers,
    member_following,
)
from tribune.accounts.services import member_follow, member_unfollow
from tribune.communities.models import SubwikiFollow
from tribune.communities.services import member_follow_default_subwikis
from tribune.core.exceptions import Forbidden, NotFound, ServiceError

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def client_for(member: Member | None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


def url(name: str, member: Member) -> str:
    return reverse(f"accounts:{name}", args=[member.username])


# --- The rules (services) -----------------------------------------------------------


def test_following_is_idempotent_and_unfollowing_too(member, other_member):
    assert member_follow(actor=member, member=other_member) is True
    assert member_follow(actor=member, member=other_member) is False
    assert MemberFollow.objects.filter(follower=member, followed=other_member).count() == 1

    assert member_unfollow(actor=member, member=other_member) is True
    assert member_unfollow(actor=member, member=other_member) is False
    assert not MemberFollow.objects.exists()


def test_nobody_follows_themself(member):
    with pytest.raises(ServiceError) as refused:
        member_follow(actor=member, member=member)
    assert refused.value.code == "cannot_follow_self"
    assert "yourself" in str(refused.value.detail)
    assert not MemberFollow.objects.exists()


def test_waitlisted_and_suspended_members_may_not_follow(waitlisted, suspended, other_member):
    with pytest.raises(Forbidden) as refused:
        member_follow(actor=waitlisted, member=other_member)
    assert refused.value.code == "waitlisted"
    with pytest.raises(Forbidden) as refused:
        member_follow(actor=suspended, member=other_member)
    assert "suspended" in str(refused.value.detail)
    assert not MemberFollow.objects.exists()


def test_stopping_a_follow_stays_possible_whatever_ones_access(member, other_member):
    member_follow(actor=member, member=other_member)
    member.access = "suspended"
    member.save()
    assert member_unfollow(actor=member, member=other_member) is True


def test_a_deactivated_account_cannot_be_followed(member):
    gone = MemberFactory.create(is_active=False)
    with pytest.raises(NotFound):
        member_follow(actor=member, member=gone)


def test_mutual_follows_are_friends(member, other_member):
    member_follow(actor=member, member=other_member)
    one_way = member_follow_summary(viewer=member, member=other_member)
    assert (one_way.following, one_way.follows_you, one_way.friends) == (True, False, False)

    member_follow(actor=other_member, member=member)
    both = member_follow_summary(viewer=member, member=other_member)
    assert (both.following, both.follows_you, both.friends) == (True, True, True)
    assert (both.follower_count, both.following_count) == (1, 1)

    followers = member_followers(viewer=member, member=other_member)
    assert [(e.member, e.friends) for e in followers.items] == [(member, True)]


def test_lists_are_latest_first_and_mark_only_mutual_follows(member):
    fans = [MemberFactory.create() for _ in range(3)]
    for fan in fans:
        member_follow(actor=fan, member=member)
    member_follow(actor=member, member=fans[1])

    followers = member_followers(viewer=member, member=member)
    assert [e.member for e in followers.items] == list(reversed(fans))
    assert {e.member: e.friends for e in followers.items} == {
        fans[0]: False,
        fans[1]: True,
        fans[2]: False,
    }
    following = member_following(viewer=member, member=member)
    assert [(e.member, e.friends) for e in following.items] == [(fans[1], True)]


def test_lists_page_by_cursor_without_gaps_or_repeats(member):
    fans = [MemberFactory.create() for _ in range(5)]
    for fan in fans:
        member_follow(actor=fan, member=member)
    first = member_followers(viewer=member, member=member, limit=2)
    member_follow(actor=MemberFactory.create(), member=member)  # a new follow meanwhile
    second = member_followers(viewer=member, member=member, cursor=first.next_cursor, limit=2)
    third = member_followers(viewer=member, member=member, cursor=second.next_cursor, limit=2)
    seen = [e.member for page in (first, second, third) for e in page.items]
    assert seen == list(reversed(fans))
    assert third.next_cursor is None


def test_new_members_follow_the_default_subwikis_and_no_member(db):
    owner = MemberFactory.create()
    default = make_subwiki(owner, slug="welcome")
    default.is_default = True
    default.save()
    newcomer = MemberFactory.create()
    assert member_follow_default_subwikis(member=newcomer) == 1
    assert SubwikiFollow.objects.filter(member=newcomer, subwiki=default).exists()
    assert not MemberFollow.objects.filter(follower=newcomer).exists()


# --- The buttons (pages) -------------------------------------------------------------


def test_a_profile_shows_counts_and_a_follow_button(member, other_member):
    member_follow(actor=other_member, member=member)
    response = client_for(member).get(other_member.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    assert "<strong>0</strong> followers" in content
    assert "<strong>1</strong> following" in content
    assert "Follows you" in content
    assert f'action="{url("follow", other_member)}"' in content
    assert_well_formed(response.content)


def test_ones_own_profile_has_no_follow_button(member):
    response = client_for(member).get(member.get_absolute_url())
    assert url("follow", member).encode() not in response.content
    assert b"followers" in response.content


def test_visitors_are_offered_to_log_in_to_follow(other_member):
    response = client_for(None).get(other_member.get_absolute_url())
    assert b"Log in to follow" in response.content
    follow = client_for(None).post(url("follow", other_member))
    assert follow.status_code == 302
    assert follow["Location"].startswith(reverse("account_login"))
    assert not MemberFollow.objects.exists()


def test_without_javascript_following_comes_back_to_the_page(member, other_member):
    post = make_post(other_member)
    client = client_for(member)
    response = client.post(url("follow", other_member), {"next": post.get_absolute_url()})
    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}#follow-{other_member.pk}"
    assert MemberFollow.objects.filter(follower=member, followed=other_member).exists()

    page = client.get(response["Location"])
    assert f"You follow {other_member.name}" in " ".join(messages_of(page))
    assert f'action="{url("unfollow", other_member)}"'.encode() in page.content

    back = client.post(url("unfollow", other_member), {"next": "https://elsewhere.example/"})
    assert back["Location"] == f"{other_member.get_absolute_url()}#follow-{other_member.pk}"
    assert not MemberFollow.objects.exists()


def test_with_htmx_the_button_is_swapped_in_place(member, other_member):
    client = client_for(member)
    response = client.post(
        url("follow", other_member), {"next": "/", "show": "counts"}, headers=HTMX
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert f'id="follow-{other_member.pk}"' in content
    assert "Unfollow" in content
    assert "<strong>1</strong> follower" in content
    assert 'name="next" value="/"' in content  # the page it was on, not this endpoint
    assert_well_formed(response.content)

    named = client.post(url("unfollow", other_member), {"show": "name"}, headers=HTMX)
    assert b"followers" not in named.content
    assert f"Follow<span> {other_member.name}</span>".encode() in named.content


def test_waitlisted_members_are_told_why(waitlisted, other_member):
    client = client_for(waitlisted)
    page = client.post(url("follow", other_member))
    assert page.status_code == 403
    assert b"waitlist" in page.content

    fragment = client.post(url("follow", other_member), headers=HTMX)
    assert fragment.status_code == 200
    assert b'role="alert"' in fragment.content and b"waitlist" in fragment.content
    assert not MemberFollow.objects.exists()


def test_following_oneself_by_a_crafted_request_is_refused(member):
    response = client_for(member).post(url("follow", member))
    assert response.status_code == 400
    assert b"You cannot follow yourself." in response.content


def test_a_post_page_offers_to_follow_its_author(member, other_member):
    post = make_post(other_member, subwiki=make_subwiki(other_member))
    client = client_for(member)
    content = client.get(post.get_absolute_url()).content.decode()
    assert f'action="{url("follow", other_member)}"' in content
    assert f"Follow<span> {other_member.name}</span>" in content

    member_follow(actor=member, member=other_member)
    content = client.get(post.get_absolute_url()).content.decode()
    assert f'action="{url("unfollow", other_member)}"' in content
    # The author sees no button to follow themself.
    own = client_for(other_member).get(post.get_absolute_url()).content.decode()
    assert url("follow", other_member) not in own


# --- The lists (pages) -------------------------------------------------------------


def test_the_lists_mark_friends_and_offer_to_follow_back(member, other_member):
    stranger = MemberFactory.create(display_name="Stranger Danger")
    member_follow(actor=other_member, member=member)
    member_follow(actor=member, member=other_member)
    member_follow(actor=stranger, member=member)

    response = client_for(member).get(url("followers", member))
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("badge-success") == 1  # other_member, a friend; not the stranger
    assert f'action="{url("follow", stranger)}"' in content  # follow back
    assert f'action="{url("unfollow", other_member)}"' in content
    assert_well_formed(response.content)

    following = client_for(None).get(url("following", member)).content.decode()
    assert other_member.name in following and "Stranger Danger" not in following
    assert "<form" not in following.split("<main")[1].split("</main>")[0]


def test_empty_lists_say_so(member):
    assert b"No one follows" in client_for(None).get(url("followers", member)).content
    assert b"follows no one yet" in client_for(None).get(url("following", member)).content


def test_load_more_is_a_link_without_javascript_and_rows_with_htmx(member):
    for _ in range(23):
        member_follow(actor=MemberFactory.create(), member=member)
    client = client_for(None)
    first = client.get(url("followers", member))
    next_url = first.context["next_url"]
    assert next_url and next_url.encode().replace(b"&", b"&amp;") in first.content
    plain = client.get(next_url)
    assert b"<html" in plain.content and len(plain.context["page"].items) == 3
    fragment = client.get(next_url, headers=HTMX)
    assert b"<html" not in fragment.content and fragment.content.count(b"<li") == 3
    assert_well_formed(fragment.content)


def test_a_damaged_cursor_shows_the_first_page(member):
    response = client_for(None).get(url("followers", member), {"cursor": "nope"})
    assert response.status_code == 400  # as every list says it, with the first page
    assert any("cursor" in m for m in messages_of(response))


def test_lists_of_unknown_members_are_not_found(db):
    response = client_for(None).get(reverse("accounts:followers", args=["nobody-here"]))
    assert response.status_code == 404


@pytest.mark.parametrize("size", [3, 40])
def test_the_lists_run_a_bounded_number_of_queries(
    member, size, django_assert_max_num_queries, django_assert_num_queries
):
    for number in range(size):
        fan = MemberFactory.create()
        member_follow(actor=fan, member=member)
        member_follow(actor=member, member=fan)
        if number % 2:
            member_follow(actor=fan, member=MemberFactory.create())
    viewer = MemberFactory.create()
    client = client_for(viewer)
    for name in ("followers", "following"):
        # Session, viewer, member, the page of follows (friends included), the viewer's follows.
        with django_assert_max_num_queries(5):
            response = client.get(url(name, member))
        assert response.status_code == 200
    # A profile's counts and the viewer's follows: one query whatever the numbers.
    with django_assert_num_queries(1):
        summary = member_follow_summary(viewer=viewer, member=member)
    assert (summary.follower_count, summary.following_count) == (size, size)
