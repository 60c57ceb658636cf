"""The subwiki pages as people use them: with and without htmx, for every kind of viewer."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.accounts.models import Member
from tribune.communities import services
from tribune.communities.models import Membership, MembershipState, Role, Subwiki, SubwikiFollow

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def client_for(member: Member | None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member)
    return client


def url(name: str, subwiki: Subwiki | None = None, **kwargs: str) -> str:
    if subwiki is not None:
        kwargs["slug"] = subwiki.slug
    # A subwiki's own page is its feed.
    full_name = "feeds:subwiki" if name == "detail" else f"communities:{name}"
    return reverse(full_name, kwargs=kwargs or None)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def assert_well_formed(content: bytes) -> None:
    """Every element the page or fragment opens, it closes, in order."""
    parser = _Balance()
    parser.feed(content.decode())
    parser.close()
    assert not parser.problems and not parser.open, (parser.problems, parser.open)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def owner(db) -> Member:
    return MemberFactory.create(username="owner")


@pytest.fixture
def public(owner) -> Subwiki:
    return make_subwiki(
        owner, name="Open Science", slug="open-science", description="Papers *anyone* can read."
    )


@pytest.fixture
def private_subwiki(owner) -> Subwiki:
    return make_subwiki(
        owner,
        name="Night Shift",
        slug="night-shift",
        description="Members only.",
        visibility="private",
    )


def add_member(subwiki: Subwiki, member: Member, role: str = Role.MEMBER) -> None:
    ownership = Membership.objects.filter(subwiki=subwiki, role=Role.OWNER).first()
    assert ownership is not None
    owner = ownership.member
    services.membership_invite(actor=owner, subwiki=subwiki, username=member.username)
    services.subwiki_join(actor=member, subwiki=subwiki)
    if role != Role.MEMBER:
        services.membership_set_role(
            actor=owner, subwiki=subwiki, username=member.username, role=role
        )


@pytest.fixture
def sub_moderator(public) -> Member:
    moderator = MemberFactory.create(username="submod")
    add_member(public, moderator, Role.MODERATOR)
    return moderator


# --- The list ---------------------------------------------------------------------------


def test_the_list_shows_public_subwikis_to_visitors_and_hides_private_ones(public, private_subwiki):
    response = client_for(None).get(url("list"))
    assert response.status_code == 200
    assert b"Open Science" in response.content
    assert b"Night Shift" not in response.content
    assert b"<h1>" in response.content and response.content.count(b"<h1") == 1


def test_members_of_a_private_subwiki_see_it_in_the_list(private_subwiki, member):
    add_member(private_subwiki, member)
    response = client_for(member).get(url("list"))
    assert b"Night Shift" in response.content
    assert b"Private" in response.content


def test_the_search_box_filters_by_name(public, owner):
    make_subwiki(owner, name="Gardening", slug="gardening")
    response = client_for(None).get(url("list"), {"q": "garden"})
    assert b"Gardening" in response.content
    assert b"Open Science" not in response.content
    assert b'value="garden"' in response.content


def test_load_more_is_a_link_without_javascript_and_appends_with_htmx(owner):
    for number in range(25):
        make_subwiki(owner, name=f"Topic {number:02}", slug=f"topic-{number:02}")
    first = client_for(None).get(url("list"))
    assert b"Topic 24" in first.content and b"Topic 04" not in first.content
    cursor = first.context["page"].next_cursor
    assert f"cursor={cursor}".encode() in first.content

    plain = client_for(None).get(url("list"), {"cursor": cursor})
    assert b"Topic 04" in plain.content and b"Topic 24" not in plain.content
    assert b"<html" in plain.content

    fragment = client_for(None).get(url("list"), {"cursor": cursor}, headers=HTMX)
    assert b"Topic 04" in fragment.content and b"Topic 00" in fragment.content
    assert b"<html" not in fragment.content
    assert_well_formed(fragment.content)
    assert_well_formed(first.content)
    assert b"Load more" not in fragment.content  # that was the last page
    assert "HX-Request" in fragment["Vary"]


def test_a_damaged_cursor_says_so_and_shows_the_first_page(public):
    response = client_for(None).get(url("list"), {"cursor": "not-a-cursor"})
    assert response.status_code == 400  # as every list says it, with the first page
    assert b"Open Science" in response.content
    assert any("cursor" in message for message in messages_of(response))


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_runs_a_bounded_number_of_queries(
    owner, member, count, django_assert_max_num_queries
):
    for number in range(count):
        subwiki = make_subwiki(owner, slug=f"many-{number}", description="Some *words*.")
        services.subwiki_join(actor=member, subwiki=subwiki)
    client = client_for(member)
    with django_assert_max_num_queries(6):
        response = client.get(url("list"))
    assert response.status_code == 200


# --- Creating ---------------------------------------------------------------------------


def test_visitors_are_sent_to_log_in_to_create(db):
    response = client_for(None).get(url("create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_waitlisted_members_are_told_why_they_cannot_create(waitlisted):
    response = client_for(waitlisted).get(url("create"))
    assert response.status_code == 403
    assert b"Only admitted members can create subwikis." in response.content


def test_creating_a_subwiki_leads_to_its_page(member):
    client = client_for(member)
    form = client.get(url("create"))
    assert b'for="id_slug"' in form.content and b'for="id_name"' in form.content
    response = client.post(
        url("create"),
        {
            "name": "Birds",
            "slug": "birds",
            "description": "We **watch** birds.",
            "visibility": "public",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/s/birds/"
    assert b"<strong>watch</strong>" in response.content
    assert Membership.objects.get(subwiki__slug="birds", member=member).role == Role.OWNER


def test_a_taken_address_keeps_what_was_typed(public, member):
    response = client_for(member).post(
        url("create"),
        {
            "name": "My own science",
            "slug": "open-science",
            "description": "A description I took time to write.",
            "visibility": "private",
        },
    )
    assert response.status_code == 200
    assert b"This address is taken." in response.content
    assert b'value="My own science"' in response.content
    assert b"A description I took time to write." in response.content
    assert response.context["form"]["visibility"].value() == "private"
    assert b'id="id_visibility_1" checked' in response.content
    assert Subwiki.objects.count() == 1


def test_a_reserved_address_is_refused_next_to_the_field(member):
    response = client_for(member).post(
        url("create"), {"name": "New", "slug": "new", "visibility": "public"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["slug"]
    assert not Subwiki.objects.exists()


# --- A subwiki's page -------------------------------------------------------------------


def test_visitors_read_a_public_subwiki_and_are_invited_to_log_in(public):
    response = client_for(None).get(url("detail", public))
    assert response.status_code == 200
    assert b"<em>anyone</em>" in response.content
    assert b"Log in to join or follow" in response.content
    assert b"Public" in response.content
    assert reverse("communities:description_history", kwargs={"slug": public.slug}).encode() in (
        response.content
    )
    assert reverse("posts:subwiki_changes", kwargs={"slug": public.slug}).encode() in (
        response.content
    )
    assert b"New post" not in response.content
    assert b"Edit the description" not in response.content


def test_a_member_sees_leave_follow_and_new_post(public, member):
    add_member(public, member)
    response = client_for(member).get(url("detail", public))
    assert b">Leave<" in response.content
    assert b">Unfollow<" in response.content  # joining follows
    new_post = reverse("posts:create") + "?subwiki=open-science"
    assert new_post.encode() in response.content
    assert url("settings", public).encode() not in response.content


def test_the_owner_sees_the_settings_link(public, owner):
    response = client_for(owner).get(url("detail", public))
    assert url("settings", public).encode() in response.content
    assert b"You are a member (Owner)" in response.content
    edit = reverse("communities:description_edit", kwargs={"slug": public.slug})
    assert edit.encode() in response.content


@pytest.mark.parametrize("role", [None, "member", "moderator", "waitlisted"])
def test_a_private_subwiki_is_not_found_by_outsiders(
    private_subwiki, role, member, moderator, waitlisted
):
    viewer = {"member": member, "moderator": moderator, "waitlisted": waitlisted}.get(role)
    client = client_for(viewer)
    for name in ("detail", "members", "settings"):
        response = client.get(url(name, private_subwiki))
        expected = 302 if viewer is None and name == "settings" else 404
        assert response.status_code == expected, name
        assert b"Night Shift" not in response.content


def test_members_of_a_private_subwiki_read_it(private_subwiki, member):
    add_member(private_subwiki, member)
    response = client_for(member).get(url("detail", private_subwiki))
    assert response.status_code == 200
    assert b"Private: only members can read it" in response.content


def test_staff_read_a_private_subwiki(private_subwiki, staff):
    assert client_for(staff).get(url("detail", private_subwiki)).status_code == 200


def test_posts_are_listed_newest_first_with_load_more(public, owner):
    for number in range(23):
        make_post(owner, public, title=f"Post number {number:02}")
    first = client_for(None).get(url("detail", public))
    content = first.content.decode()
    assert content.index("Post number 22") < content.index("Post number 21")
    assert "Post number 02" not in content
    cursor = first.context["posts"].next_cursor
    fragment = client_for(None).get(url("detail", public), {"cursor": cursor}, headers=HTMX)
    assert b"Post number 02" in fragment.content and b"Post number 00" in fragment.content
    assert b"<html" not in fragment.content
    assert_well_formed(fragment.content)
    assert_well_formed(first.content)


def test_a_private_subwikis_posts_stay_hidden(private_subwiki, owner, member):
    make_post(owner, private_subwiki, title="Secret plans")
    assert client_for(member).get(url("detail", private_subwiki)).status_code == 404
    add_member(private_subwiki, member)
    assert b"Secret plans" in client_for(member).get(url("detail", private_subwiki)).content


@pytest.mark.parametrize("count", [2, 25])
def test_the_page_runs_a_bounded_number_of_queries(
    public, owner, member, count, django_assert_max_num_queries
):
    add_member(public, member)
    for number in range(count):
        make_post(owner if number % 2 else member, public, title=f"Post {number}")
    client = client_for(member)
    with django_assert_max_num_queries(10):
        response = client.get(url("detail", public))
    assert response.status_code == 200


# --- Join, leave, follow ----------------------------------------------------------------


def test_joining_a_public_subwiki(public, member):
    response = client_for(member).post(url("join", public), follow=True)
    assert response.redirect_chain[-1][0] == url("detail", public)
    assert "You joined Open Science." in messages_of(response)
    assert Membership.objects.get(subwiki=public, member=member).is_active


def test_joining_with_htmx_swaps_the_buttons(public, member):
    response = client_for(member).post(url("join", public), headers=HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b">Leave<" in response.content
    assert b"You joined Open Science." in response.content
    assert b"2 members" in response.content
    assert b'hx-swap-oob="innerHTML"' in response.content  # the message goes to the status region
    assert_well_formed(response.content)


def test_the_buttons_are_post_only(public, member):
    for name in ("join", "leave", "follow", "unfollow"):
        assert client_for(member).get(url(name, public)).status_code == 405


def test_visitors_who_press_join_log_in_and_come_back(public):
    response = client_for(None).post(url("join", public))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/s/open-science/"


def test_asking_to_join_a_private_subwiki_then_approval(private_subwiki, member, owner):
    response = client_for(member).post(url("join", private_subwiki), follow=True)
    assert response.redirect_chain[-1][0] == url("list")
    assert "Your request was sent to the moderators of Night Shift." in messages_of(response)
    # Asking reveals nothing more: the page is still not found.
    assert client_for(member).get(url("detail", private_subwiki)).status_code == 404

    members_page = client_for(owner).get(url("members", private_subwiki))
    assert b"Requests to join" in members_page.content
    assert member.username.encode() in members_page.content
    approve = url("approve", private_subwiki, username=member.username)
    assert approve.encode() in members_page.content

    response = client_for(owner).post(approve, follow=True)
    assert f"{member.name} is now a member." in messages_of(response)
    assert client_for(member).get(url("detail", private_subwiki)).status_code == 200


def test_asking_for_a_subwiki_that_does_not_exist_is_not_found(member):
    response = client_for(member).post(url("join", slug="no-such-thing"))
    assert response.status_code == 404


def test_waitlisted_members_cannot_learn_a_private_subwiki_exists(private_subwiki, waitlisted):
    assert client_for(waitlisted).post(url("join", private_subwiki)).status_code == 404


def test_waitlisted_members_are_told_why_they_cannot_join(public, waitlisted):
    response = client_for(waitlisted).post(url("join", public))
    assert response.status_code == 403
    assert b"Only admitted members can join subwikis." in response.content


def test_an_invited_member_accepts_from_the_page(private_subwiki, owner, member):
    services.membership_invite(actor=owner, subwiki=private_subwiki, username=member.username)
    # An invitation is not membership: the page stays closed until it is accepted by its address.
    response = client_for(member).post(url("join", private_subwiki), follow=True)
    assert "You joined Night Shift." in messages_of(response)
    assert response.redirect_chain[-1][0] == url("detail", private_subwiki)


def test_the_last_owner_cannot_leave_and_is_told_why(public, owner):
    response = client_for(owner).post(url("leave", public), follow=True)
    assert response.redirect_chain[-1][0] == url("detail", public)
    refusal = "You are the only owner: make someone else an owner before you leave."
    assert refusal in messages_of(response)
    assert Membership.objects.filter(subwiki=public, member=owner).exists()


def test_the_last_owner_is_told_with_htmx_too(public, owner):
    response = client_for(owner).post(url("leave", public), headers=HTMX)
    assert response.status_code == 200
    assert b"You are the only owner" in response.content
    assert b"message-error" in response.content
    assert_well_formed(response.content)


def test_leaving_a_public_subwiki(public, member):
    add_member(public, member)
    response = client_for(member).post(url("leave", public), follow=True)
    assert "You left Open Science." in messages_of(response)
    assert b">Join<" in response.content


def test_leaving_a_private_subwiki_goes_back_to_the_list(private_subwiki, member):
    add_member(private_subwiki, member)
    response = client_for(member).post(url("leave", private_subwiki))
    assert response["Location"] == url("list")
    htmx = client_for(MemberFactory.create()).post(url("join", private_subwiki), headers=HTMX)
    assert htmx["HX-Redirect"] == url("list")


def test_withdrawing_a_request(private_subwiki, member):
    services.subwiki_join(actor=member, subwiki=private_subwiki)
    response = client_for(member).post(url("leave", private_subwiki), follow=True)
    assert "You withdrew your request to join Night Shift." in messages_of(response)
    assert not Membership.objects.filter(member=member).exists()


def test_following_and_unfollowing(public, member):
    client = client_for(member)
    response = client.post(url("follow", public), follow=True)
    assert "You follow Open Science: its posts will be in your feed." in messages_of(response)
    assert SubwikiFollow.objects.filter(subwiki=public, member=member).exists()
    response = client.post(url("unfollow", public), headers=HTMX)
    assert b">Follow<" in response.content
    assert b"You no longer follow Open Science." in response.content
    assert not SubwikiFollow.objects.filter(subwiki=public, member=member).exists()


def test_outsiders_cannot_follow_a_private_subwiki(private_subwiki, member):
    assert client_for(member).post(url("follow", private_subwiki)).status_code == 404


# --- The members page -------------------------------------------------------------------


def test_visitors_see_members_and_roles_but_no_tools(public, owner, sub_moderator):
    response = client_for(None).get(url("members", public))
    assert response.status_code == 200
    content = response.content.decode()
    assert "2 members" in content and "Moderator" in content and "Owner" in content
    assert "Requests to join" not in content and "Remove" not in content


def test_moderators_get_requests_invite_and_remove_but_not_roles(public, sub_moderator, member):
    add_member(public, member)
    response = client_for(sub_moderator).get(url("members", public))
    assert_well_formed(response.content)
    content = response.content.decode()
    assert "Requests to join" in content and "Invite a member" in content
    assert url("remove", public, username=member.username) in content
    assert url("set_role", public, username=member.username) not in content


@pytest.mark.parametrize("count", [2, 30])
def test_the_members_page_runs_a_bounded_number_of_queries(
    public, owner, count, django_assert_max_num_queries
):
    for _ in range(count):
        services.subwiki_join(actor=MemberFactory.create(), subwiki=public)
    client = client_for(owner)
    with django_assert_max_num_queries(6):
        response = client.get(url("members", public))
    assert response.content.count(b"Change role") == count + 1


def test_owners_change_roles(public, owner, member):
    add_member(public, member)
    page = client_for(owner).get(url("members", public))
    assert url("set_role", public, username=member.username).encode() in page.content
    response = client_for(owner).post(
        url("set_role", public, username=member.username), {"role": "moderator"}, follow=True
    )
    assert f"{member.name} is now a moderator." in messages_of(response)
    assert Membership.objects.get(subwiki=public, member=member).role == Role.MODERATOR


def test_a_moderator_changing_roles_is_refused_with_a_message(public, sub_moderator, member):
    add_member(public, member)
    response = client_for(sub_moderator).post(
        url("set_role", public, username=member.username), {"role": "owner"}
    )
    assert response.status_code == 403
    assert b"Only owners can change roles." in response.content


def test_an_unknown_role_is_refused_with_a_message(public, owner, member):
    add_member(public, member)
    response = client_for(owner).post(
        url("set_role", public, username=member.username), {"role": "emperor"}, follow=True
    )
    assert "Choose owner, moderator or member." in messages_of(response)


def test_demoting_the_last_owner_is_refused_with_a_message(public, owner):
    response = client_for(owner).post(
        url("set_role", public, username=owner.username), {"role": "member"}, follow=True
    )
    assert "A subwiki needs at least one owner." in messages_of(response)


def test_approving_nothing_or_nobody_is_a_message_not_an_error(public, owner, member):
    client = client_for(owner)
    response = client.post(url("approve", public, username=member.username), follow=True)
    assert f"{member.username} is not a member of this subwiki." in messages_of(response)
    add_member(public, member)
    response = client.post(url("approve", public, username=member.username), follow=True)
    assert "There is no request to approve." in messages_of(response)


def test_plain_members_cannot_approve(private_subwiki, member, other_member):
    add_member(private_subwiki, member)
    services.subwiki_join(actor=other_member, subwiki=private_subwiki)
    response = client_for(member).post(
        url("approve", private_subwiki, username=other_member.username)
    )
    assert response.status_code == 403
    assert b"Only the moderators of this subwiki can manage its members." in response.content
    assert Membership.objects.get(member=other_member).state == MembershipState.REQUESTED


def test_removing_a_member(public, sub_moderator, member):
    add_member(public, member)
    response = client_for(sub_moderator).post(
        url("remove", public, username=member.username), follow=True
    )
    assert f"{member.name} is no longer a member." in messages_of(response)
    assert not Membership.objects.filter(subwiki=public, member=member).exists()


def test_refusing_a_request(private_subwiki, owner, member):
    services.subwiki_join(actor=member, subwiki=private_subwiki)
    response = client_for(owner).post(
        url("remove", private_subwiki, username=member.username), follow=True
    )
    assert f"You refused the request of {member.name}." in messages_of(response)


def test_inviting_by_username(private_subwiki, owner, member):
    response = client_for(owner).post(
        url("invite", private_subwiki), {"username": member.username}, follow=True
    )
    assert (
        f"{member.name} is invited: they join by accepting on the subwiki's page."
        in messages_of(response)
    )
    assert b"Invited, not yet accepted" in response.content
    assert Membership.objects.get(member=member).state == MembershipState.INVITED


def test_inviting_an_unknown_username_keeps_what_was_typed(public, owner):
    response = client_for(owner).post(url("invite", public), {"username": "nobody-at-all"})
    assert response.status_code == 200
    assert b"Unknown member." in response.content
    assert b'value="nobody-at-all"' in response.content


def test_plain_members_cannot_invite(public, member, other_member):
    add_member(public, member)
    response = client_for(member).post(url("invite", public), {"username": other_member.username})
    assert response.status_code == 403
    assert not Membership.objects.filter(member=other_member).exists()


def test_member_actions_are_post_only_and_need_a_log_in(public, member):
    target = url("approve", public, username=member.username)
    assert client_for(member).get(target).status_code == 405
    response = client_for(None).post(target)
    assert response.status_code == 302 and "login" in response["Location"]


# --- Settings ---------------------------------------------------------------------------


def test_the_owner_changes_settings(public, owner):
    client = client_for(owner)
    page = client.get(url("settings", public))
    assert page.status_code == 200
    assert b'value="Open Science"' in page.content
    response = client.post(
        url("settings", public),
        {
            "name": "Closed Science",
            "visibility": "private",
            "description_edit_policy": "protected",
            "min_post_edit_policy": "reviewed",
        },
        follow=True,
    )
    assert "The settings are saved." in messages_of(response)
    public.refresh_from_db()
    assert (public.name, public.visibility, public.description_edit_policy) == (
        "Closed Science",
        "private",
        "protected",
    )
    assert client_for(None).get(url("detail", public)).status_code == 404


def test_bad_settings_keep_what_was_typed(public, owner):
    response = client_for(owner).post(
        url("settings", public),
        {
            "name": "Renamed",
            "visibility": "public",
            "description_edit_policy": "anarchy",
            "min_post_edit_policy": "open",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["description_edit_policy"]
    assert b'value="Renamed"' in response.content
    public.refresh_from_db()
    assert public.name == "Open Science"


@pytest.mark.parametrize("who", ["member", "sub_moderator", "moderator"])
def test_only_owners_and_staff_see_settings(public, who, request):
    viewer = request.getfixturevalue(who)
    if who == "member":
        add_member(public, viewer)
    response = client_for(viewer).get(url("settings", public))
    assert response.status_code == 403
    assert b"Only the owners of this subwiki can change its settings." in response.content


def test_staff_change_settings(public, staff):
    assert client_for(staff).get(url("settings", public)).status_code == 200


# --- Sign-up and the admin --------------------------------------------------------------


def test_new_members_follow_the_default_subwikis_on_sign_up(public, owner):
    other = make_subwiki(owner, slug="not-chosen")
    Subwiki.objects.filter(pk=public.pk).update(is_default=True)
    response = client_for(None).post(
        reverse("account_signup"),
        {
            "display_name": "Grace Hopper",
            "username": "grace",
            "email": "grace@example.org",
            "date_of_birth": "1990-12-09",
            "password1": "a long and unusual passphrase 42",
            "password2": "a long and unusual passphrase 42",
        },
    )
    assert response.status_code == 302, response.content
    grace = Member.objects.get(username="grace")
    assert set(SubwikiFollow.objects.filter(member=grace).values_list("subwiki", flat=True)) == {
        public.pk
    }
    assert other.follows.count() == 1


def test_staff_choose_default_subwikis_in_the_admin(public, staff):
    client = client_for(staff)
    changelist = reverse("admin:communities_subwiki_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and b"Open Science" in page.content
    response = client.post(
        changelist,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(public.pk),
            "form-0-is_default": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    public.refresh_from_db()
    assert public.is_default


def test_adding_a_subwiki_in_the_admin_uses_the_sites_form(staff):
    response = client_for(staff).get(reverse("admin:communities_subwiki_add"))
    assert response.status_code == 302 and response["Location"] == url("create")
