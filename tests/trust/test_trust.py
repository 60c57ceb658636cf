"""Trust: levels from each requirement with hysteresis, vouches, and the level-0 sandbox."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, make_post, make_subwiki
from tribune.accounts.models import Access, Member
from tribune.core.exceptions import Forbidden, ServiceError
from tribune.moderation.models import Report, ReportState
from tribune.posts.permissions import can_rollback
from tribune.posts.services import post_create, post_edit, revision_approve
from tribune.talk.models import Comment
from tribune.talk.services import comment_create, comment_delete
from tribune.trust.levels import MINIMUMS, REQUIREMENTS, Counts, level_for
from tribune.trust.models import TrustRecord, Vouch
from tribune.trust.services import (
    trust_compute,
    trust_recompute,
    trust_recompute_all,
    vouch_create,
    vouch_withdraw,
)
from tribune.trust.tasks import recompute_trust_levels

pytestmark = pytest.mark.django_db

LEVEL_1 = REQUIREMENTS[1]
LEVEL_2 = REQUIREMENTS[2]


def aged(days: int, **kwargs) -> Member:
    """An admitted member who was admitted `days` days ago."""
    return MemberFactory.create(
        admitted_at=timezone.now() - dt.timedelta(days=days, hours=1), **kwargs
    )


def contribute(member: Member, *, edits: int = 0, comments: int = 0) -> list[Comment]:
    """`edits` accepted edits (each post is a live revision) and `comments` visible comments."""
    for _ in range(edits):
        make_post(member, kind="text", title="", body="A thought.")
    made = []
    if comments:
        post = make_post(MemberFactory.create(), kind="text", title="", body="Talk here.")
        for number in range(comments):
            made.append(comment_create(author=member, post_id=post.pk, body=f"Reply {number}."))
    return made


def trusted_voucher() -> Member:
    return aged(400, trust_level=2)


def uphold_report(member: Member, *, days_ago: int = 1, target: str | None = None) -> Report:
    """A report against `member`'s content that a moderator upheld `days_ago` days ago."""
    when = timezone.now() - dt.timedelta(days=days_ago)
    post = make_post(member, kind="text", title="", body="Buy now.")
    return Report.objects.create(
        reporter=MemberFactory.create(),
        target=target or f"post:{post.pk}",
        target_member=member,
        reason="spam",
        state=ReportState.UPHELD,
        created_at=when,
        resolved_at=when,
    )


def level_2_member() -> tuple[Member, list[Comment]]:
    """A member who meets level 2's requirements exactly, recomputed to level 2."""
    member = aged(LEVEL_2.days, trust_level=1)
    comments = contribute(member, edits=LEVEL_2.edits, comments=LEVEL_2.comments)
    vouch_create(actor=trusted_voucher(), member=member)
    assert trust_recompute(member=member) == 2
    return member, comments


# --- The table and the rule ------------------------------------------------------------


def test_each_level_asks_at_least_as_much_as_the_one_below():
    for level in (2, 3):
        lower, upper = REQUIREMENTS[level - 1], REQUIREMENTS[level]
        for name in MINIMUMS:
            assert getattr(upper, name) >= getattr(lower, name)
        assert upper.reports <= lower.reports


def test_promotion_needs_every_requirement_of_the_next_level():
    full = Counts(days=2, edits=1, comments=3, vouches=0, reports=0)
    assert level_for(full, 0) == (1, "promoted")
    for name in MINIMUMS:
        if getattr(LEVEL_1, name):
            short = Counts(**{**full.as_dict(), name: getattr(LEVEL_1, name) - 1})
            assert level_for(short, 0) == (0, "kept"), name


def test_a_member_can_rise_several_levels_at_once():
    counts = Counts(days=40, edits=25, comments=25, vouches=1)
    assert level_for(counts, 0) == (2, "promoted")


# --- Levels from each requirement, through the real data ---------------------------------


def test_a_new_member_who_meets_level_1_is_promoted():
    member = aged(LEVEL_1.days)
    contribute(member, edits=LEVEL_1.edits, comments=LEVEL_1.comments)
    level, reasons = trust_compute(member)
    assert level == 1
    assert reasons["counts"] == {
        "days": LEVEL_1.days,
        "edits": LEVEL_1.edits,
        "comments": LEVEL_1.comments,
        "vouches": 0,
        "reports": 0,
    }
    assert reasons["change"] == "promoted"
    assert all(check["met"] for check in reasons["current"])
    # What level 2 takes, with what is missing.
    missing = {check["name"] for check in reasons["next"] if not check["met"]}
    assert missing == {"days", "edits", "comments", "vouches"}


@pytest.mark.parametrize("short", ["days", "edits", "comments"])
def test_level_1_needs_each_of_its_requirements(short):
    member = aged(LEVEL_1.days - 1 if short == "days" else LEVEL_1.days)
    contribute(
        member,
        edits=LEVEL_1.edits - (short == "edits"),
        comments=LEVEL_1.comments - (short == "comments"),
    )
    level, reasons = trust_compute(member)
    assert level == 0
    assert [c["name"] for c in reasons["next"] if not c["met"]] == [short]


def test_deleted_comments_do_not_count():
    member = aged(LEVEL_1.days)
    made = contribute(member, edits=1, comments=LEVEL_1.comments)
    comment_delete(actor=member, comment_id=made[0].pk)
    assert trust_compute(member)[0] == 0


def test_pending_edits_are_not_accepted_edits(member):
    newcomer = aged(LEVEL_1.days)
    contribute(newcomer, comments=LEVEL_1.comments)
    post = make_post(member, edit_policy="reviewed")
    _post, result = post_edit(
        actor=newcomer,
        post_id=post.pk,
        changes={"body": "Changed.\n"},
        base_revision=post.page.current_revision_id,
    )
    assert result.pending
    assert trust_compute(newcomer)[1]["counts"]["edits"] == 0
    revision_approve(actor=member, post_id=post.pk, revision_id=result.revision.pk)
    assert trust_compute(newcomer)[0] == 1


def test_level_2_needs_a_vouch_from_a_trusted_member():
    member = aged(LEVEL_2.days, trust_level=1)
    contribute(member, edits=LEVEL_2.edits, comments=LEVEL_2.comments)
    # A member at level 1 may vouch, but their word does not count towards level 2.
    vouch_create(actor=aged(10, trust_level=1), member=member)
    assert trust_recompute(member=member) == 1
    vouch_create(actor=trusted_voucher(), member=member)
    assert trust_recompute(member=member) == 2
    member.refresh_from_db()
    assert member.trust_level == 2
    record = TrustRecord.objects.get(member=member)
    assert record.level == 2
    assert record.reasons["counts"]["vouches"] == 1


def test_staff_vouches_count_whatever_their_level(staff):
    member = aged(LEVEL_2.days, trust_level=1)
    contribute(member, edits=LEVEL_2.edits, comments=LEVEL_2.comments)
    vouch_create(actor=staff, member=member)
    assert trust_recompute(member=member) == 2


# --- Hysteresis ------------------------------------------------------------------------


def test_a_level_is_kept_at_95_percent_lost_at_85_and_regained_at_100():
    member, comments = level_2_member()
    assert LEVEL_2.comments == 20  # the percentages below are of this
    comment_delete(actor=member, comment_id=comments[0].pk)  # 19: 95%
    assert trust_recompute(member=member) == 2
    record = TrustRecord.objects.get(member=member)
    held = next(c for c in record.reasons["current"] if c["name"] == "comments")
    assert held == {"name": "comments", "value": 19, "needed": 20, "met": False, "held": True}
    for comment in comments[1:3]:  # 17: 85%
        comment_delete(actor=member, comment_id=comment.pk)
    assert trust_recompute(member=member) == 1
    assert TrustRecord.objects.get(member=member).reasons["change"] == "demoted"
    contribute(member, comments=2)  # 19 again: not enough to come back
    assert trust_recompute(member=member) == 1
    contribute(member, comments=1)  # 20: every requirement met
    assert trust_recompute(member=member) == 2


def test_a_withdrawn_vouch_demotes_when_it_was_the_only_one():
    member, _comments = level_2_member()
    voucher = Vouch.objects.get(member=member).voucher
    vouch_withdraw(actor=voucher, member=member)
    assert trust_recompute(member=member) == 1


# --- Upheld reports: a penalty -----------------------------------------------------------


def test_upheld_reports_beyond_the_allowance_demote_at_once():
    member, _comments = level_2_member()
    uphold_report(member)
    assert trust_recompute(member=member) == 2  # level 2 allows one
    uphold_report(member)
    assert trust_recompute(member=member) == 0
    record = TrustRecord.objects.get(member=member)
    assert record.reasons["change"] == "penalty"
    assert record.reasons["counts"]["reports"] == 2


def test_reports_of_one_target_count_once_and_old_ones_fade():
    member, _comments = level_2_member()
    first = uphold_report(member)
    uphold_report(member, target=first.target)  # someone else reported the same post
    uphold_report(member, days_ago=400)
    assert trust_compute(member)[1]["counts"]["reports"] == 1
    assert trust_recompute(member=member) == 2


def test_open_and_dismissed_reports_do_not_count():
    member, _comments = level_2_member()
    for state in (ReportState.OPEN, ReportState.DISMISSED):
        report = uphold_report(member)
        report.state = state
        report.save()
    uphold_report(member)
    assert trust_compute(member)[1]["counts"]["reports"] == 1


# --- The periodic task and the command ----------------------------------------------------


def _population(size: int) -> None:
    voucher = trusted_voucher()
    for number in range(size):
        member = aged(LEVEL_1.days + number)
        contribute(member, edits=1, comments=3 if number % 2 else 0)
        if number < 3:
            vouch_create(actor=voucher, member=member)
        if number % 3 == 0:
            uphold_report(member)


@pytest.mark.parametrize("size", [3, 15])
def test_recomputing_everyone_costs_the_same_queries_at_any_size(
    size, django_assert_max_num_queries
):
    _population(size)
    with django_assert_max_num_queries(13):
        summary = trust_recompute_all()
    assert summary.members == Member.objects.count()
    assert TrustRecord.objects.count() == Member.objects.count()


def test_recomputing_in_batches_gives_the_same_levels():
    _population(7)
    trust_recompute_all(batch_size=2)
    batched = dict(Member.objects.values_list("pk", "trust_level"))
    records = dict(TrustRecord.objects.values_list("member_id", "level"))
    Member.objects.update(trust_level=0)
    trust_recompute_all()
    assert dict(Member.objects.values_list("pk", "trust_level")) == batched == records


def test_the_periodic_task_recomputes_levels():
    member = aged(LEVEL_1.days)
    contribute(member, edits=1, comments=3)
    recompute_trust_levels.call_local()
    member.refresh_from_db()
    assert member.trust_level == 1


def test_the_command_says_who_moved(capsys):
    member = aged(LEVEL_1.days, username="grace")
    contribute(member, edits=1, comments=3)
    call_command("trust", "recompute")
    out = capsys.readouterr().out
    assert "Promoted grace from level 0 to 1" in out
    assert re.search(r"Recomputed the trust levels of \d+ members: 1 promoted, 0 demoted\.", out)


def test_the_command_needs_an_action():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("trust")


# --- Vouches -----------------------------------------------------------------------------


def test_vouching_is_idempotent_and_withdrawable(other_member):
    voucher = aged(10, trust_level=1)
    assert vouch_create(actor=voucher, member=other_member) is True
    assert vouch_create(actor=voucher, member=other_member) is False
    assert Vouch.objects.filter(member=other_member).count() == 1
    assert vouch_withdraw(actor=voucher, member=other_member) is True
    assert vouch_withdraw(actor=voucher, member=other_member) is False
    assert not Vouch.objects.exists()


def test_nobody_vouches_for_themselves():
    voucher = aged(10, trust_level=1)
    with pytest.raises(ServiceError) as refused:
        vouch_create(actor=voucher, member=voucher)
    assert refused.value.code == "cannot_vouch_self"


def test_new_members_cannot_vouch(member, other_member):
    with pytest.raises(Forbidden) as refused:
        vouch_create(actor=member, member=other_member)
    assert refused.value.code == "trust_level_too_low"


def test_waitlisted_and_suspended_members_neither_vouch_nor_receive(other_member):
    voucher = aged(10, trust_level=1)
    for access in (Access.WAITLISTED, Access.SUSPENDED):
        with pytest.raises(Forbidden):
            vouch_create(actor=aged(10, trust_level=1, access=access), member=other_member)
        with pytest.raises(ServiceError) as refused:
            vouch_create(actor=voucher, member=aged(10, access=access))
        assert refused.value.code == "member_not_admitted"


def test_one_vouches_for_a_limited_number_of_members(settings):
    settings.TRIBUNE_VOUCH_LIMIT = 2
    voucher = aged(10, trust_level=1)
    first, second, third = MemberFactory.create(), MemberFactory.create(), MemberFactory.create()
    vouch_create(actor=voucher, member=first)
    vouch_create(actor=voucher, member=second)
    with pytest.raises(ServiceError) as refused:
        vouch_create(actor=voucher, member=third)
    assert refused.value.code == "vouch_limit_reached"
    assert "2 members" in str(refused.value.detail)
    # Vouching again for one already vouched for is no new vouch: still fine.
    assert vouch_create(actor=voucher, member=first) is False
    vouch_withdraw(actor=voucher, member=first)
    assert vouch_create(actor=voucher, member=third) is True


# --- The level-0 sandbox -----------------------------------------------------------------

LINKS = "See https://one.example/a, [two](https://two.example/) and <https://three.example/>."


def test_new_members_may_put_only_a_few_links_in_a_post(member):
    with pytest.raises(ServiceError) as refused:
        post_create(author=member, subwiki=None, kind="text", body=LINKS)
    assert refused.value.code == "too_many_links"
    assert "at most 2 links" in (refused.value.errors or {})["body"][0]
    assert "this one has 3" in str(refused.value.detail)
    post_create(author=member, subwiki=None, kind="text", body=LINKS.replace("https", "word"))


def test_a_link_posts_address_counts_as_one_of_its_links(member):
    with pytest.raises(ServiceError):
        post_create(
            author=member,
            subwiki=None,
            kind="link",
            title="Read this",
            url="https://zero.example/",
            body="https://one.example/ https://two.example/",
        )


def test_the_limit_is_a_setting_and_goes_at_level_1(member, settings):
    settings.TRIBUNE_SANDBOX_MAX_LINKS = 3
    post_create(author=member, subwiki=None, kind="text", body=LINKS)
    settings.TRIBUNE_SANDBOX_MAX_LINKS = 1
    member.trust_level = 1
    post_create(author=member, subwiki=None, kind="text", body=LINKS)


def test_a_new_member_may_fix_a_post_full_of_links_but_not_add_one(member):
    author = aged(10, trust_level=1)
    post = post_create(author=author, subwiki=None, kind="text", body=LINKS)
    post_edit(
        actor=member,
        post_id=post.pk,
        changes={"body": LINKS.replace("See", "Read")},
        base_revision=post.page.current_revision_id,
    )
    post.refresh_from_db()
    with pytest.raises(ServiceError) as refused:
        post_edit(
            actor=member,
            post_id=post.pk,
            changes={"body": post.body + " https://four.example/"},
            base_revision=post.page.current_revision_id,
        )
    assert refused.value.code == "too_many_links"


def test_the_post_form_and_the_api_say_why(client, member, api_client):
    client.force_login(member)
    response = client.post(
        reverse("posts:create"),
        {"subwiki": "", "kind": "text", "body": LINKS, "edit_policy": "open"},
    )
    assert response.status_code == 200
    assert "New members may put at most 2 links in a post" in response.content.decode()
    answer = api_client(member).post("/api/v1/posts", {"kind": "text", "body": LINKS})
    assert answer.status_code == 400
    assert answer.json()["code"] == "too_many_links"
    assert "at most 2 links" in answer.json()["errors"]["body"][0]


@pytest.mark.parametrize(("level", "pending"), [(0, True), (1, True), (2, False), (3, False)])
def test_edits_to_reviewed_posts_wait_below_level_2(member, level, pending):
    post = make_post(member, subwiki=make_subwiki(member), edit_policy="reviewed")
    editor = MemberFactory.create(trust_level=level)
    _post, result = post_edit(
        actor=editor,
        post_id=post.pk,
        changes={"body": "Changed.\n"},
        base_revision=post.page.current_revision_id,
    )
    assert result.pending is pending


def test_level_2_approves_pending_edits_and_level_1_cannot(member):
    post = make_post(member, edit_policy="reviewed")
    _post, result = post_edit(
        actor=MemberFactory.create(),
        post_id=post.pk,
        changes={"body": "Changed.\n"},
        base_revision=post.page.current_revision_id,
    )
    with pytest.raises(Forbidden):
        revision_approve(
            actor=MemberFactory.create(trust_level=1),
            post_id=post.pk,
            revision_id=result.revision.pk,
        )
    revision_approve(
        actor=MemberFactory.create(trust_level=2), post_id=post.pk, revision_id=result.revision.pk
    )
    post.refresh_from_db()
    assert post.body == "Changed.\n"


def test_level_3_rolls_back_where_its_edits_go_live(member):
    post = make_post(member)
    assert not can_rollback(MemberFactory.create(trust_level=2), post)
    assert can_rollback(MemberFactory.create(trust_level=3), post)
    locked = make_post(member, edit_policy="locked")
    assert not can_rollback(MemberFactory.create(trust_level=3), locked)


# --- Pages -------------------------------------------------------------------------------


def test_the_profile_shows_the_level_what_it_allows_and_why(client):
    member = aged(40)
    contribute(member, edits=1, comments=3)
    trust_recompute(member=member)
    page = client.get(member.get_absolute_url()).content.decode()
    assert "Trust level 1: Member" in page
    assert "Vouch for other members and write community notes." in page
    assert "Member for 40 days (needs 2)" in page
    assert "Member for 40 days (needs 30)" in page  # what level 2 takes
    assert "0 accepted edits" not in page
    assert "Nobody vouches for" in page


def test_a_profile_not_reckoned_yet_says_so(client, member):
    page = client.get(member.get_absolute_url()).content.decode()
    assert "Trust level 0: New member" in page
    assert "Posts may hold at most 2 links." in page
    assert "has not been reckoned yet" in page


def test_vouching_from_the_profile_without_javascript(client, other_member):
    voucher = aged(10, trust_level=1)
    client.force_login(voucher)
    profile = other_member.get_absolute_url()
    page = client.get(profile).content.decode()
    assert reverse("trust:vouch", args=[other_member.username]) in page
    response = client.post(reverse("trust:vouch", args=[other_member.username]))
    assert response.status_code == 302
    assert response["Location"] == f"{profile}#trust"
    page = client.get(profile).content.decode()
    assert "You vouch for" in page  # the message
    assert voucher.name in page  # among who vouches
    assert "Withdraw your vouch" in page
    client.post(reverse("trust:unvouch", args=[other_member.username]))
    assert not Vouch.objects.exists()


def test_vouching_with_htmx_swaps_the_panel(client, other_member):
    client.force_login(aged(10, trust_level=1))
    response = client.post(
        reverse("trust:vouch", args=[other_member.username]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('<section class="panel trust" id="trust"')
    assert "Withdraw your vouch" in body


def test_the_vouch_button_explains_who_may_vouch(client, member, other_member):
    client.force_login(member)
    page = client.get(other_member.get_absolute_url()).content.decode()
    assert "Members can vouch for others from trust level 1 on." in page
    assert reverse("trust:vouch", args=[other_member.username]) not in page
    response = client.post(reverse("trust:vouch", args=[other_member.username]))
    assert response.status_code == 403
    assert "from trust level 1" in response.content.decode()


def test_visitors_log_in_to_vouch(client, other_member):
    response = client.post(reverse("trust:vouch", args=[other_member.username]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("vouchers", [2, 25])
def test_the_trust_panel_costs_two_queries_however_many_vouch(
    client, vouchers, django_assert_max_num_queries
):
    member = aged(40)
    for _ in range(vouchers):
        vouch_create(actor=aged(10, trust_level=1), member=member)
    trust_recompute(member=member)
    client.force_login(aged(10, trust_level=1))
    # The session, the member, the profile, its follow counts, the trust panel and those
    # who vouch, the posts.
    with django_assert_max_num_queries(7):
        page = client.get(member.get_absolute_url()).content.decode()
    assert page.count('<li><a href="/u/member') == min(vouchers, 20)
    if vouchers > 20:
        assert f"{vouchers} members vouch in all." in page


# --- API ---------------------------------------------------------------------------------


def test_vouch_and_withdraw_through_the_api(api_client, other_member):
    client = api_client(aged(10, trust_level=1))
    path = f"/api/v1/members/{other_member.username}/trust"
    answer = client.post(path)
    assert answer.status_code == 200
    assert answer.json() == {
        "username": other_member.username,
        "trust_level": 0,
        "vouched": True,
        "vouch_count": 1,
        "vouches_left": 4,
    }
    assert client.post(path).json()["vouch_count"] == 1  # idempotent
    answer = client.delete(path)
    assert answer.status_code == 200
    assert answer.json()["vouched"] is False
    assert answer.json()["vouch_count"] == 0


def test_the_api_refuses_as_the_service_does(api_client, member, other_member, settings):
    path = f"/api/v1/members/{other_member.username}/trust"
    answer = api_client(member).post(path)
    assert (answer.status_code, answer.json()["code"]) == (403, "trust_level_too_low")
    other_member.trust_level = 1
    other_member.save()
    answer = api_client(other_member).post(path)
    assert (answer.status_code, answer.json()["code"]) == (400, "cannot_vouch_self")
    settings.TRIBUNE_VOUCH_LIMIT = 0
    answer = api_client(aged(10, trust_level=1)).post(path)
    assert (answer.status_code, answer.json()["code"]) == (400, "vouch_limit_reached")
    assert api_client(None).post(path).status_code == 401
    assert api_client(member).post("/api/v1/members/nobody-here/trust").status_code == 404


def test_vouching_too_often_answers_429_with_retry_after(api_client, settings):
    settings.TRIBUNE_RATE_LIMITS = {"vouch": {"member": "2/h", "new_member": "1/h"}}
    client = api_client(aged(10, trust_level=1))
    for _ in range(2):
        assert (
            client.post(f"/api/v1/members/{MemberFactory.create().username}/trust").status_code
            == 200
        )
    answer = client.post(f"/api/v1/members/{MemberFactory.create().username}/trust")
    assert answer.status_code == 429
    assert answer.json()["code"] == "rate_limited"
    assert int(answer["Retry-After"]) > 0


def test_a_members_trust_through_the_api(api_client):
    member = aged(40)
    contribute(member, edits=1, comments=3)
    voucher = aged(10, trust_level=1)
    vouch_create(actor=voucher, member=member)
    trust_recompute(member=member)
    answer = api_client(None).get(f"/api/v1/members/{member.username}/trust")
    assert answer.status_code == 200
    data = answer.json()
    assert data["trust_level"] == 1
    assert data["change"] == "promoted"
    assert data["vouch_count"] == 1
    assert data["vouched"] is False
    assert data["vouches_left"] is None
    assert [v["username"] for v in data["vouchers"]] == [voucher.username]
    days = next(r for r in data["current"] if r["requirement"] == "days")
    assert days == {"requirement": "days", "value": 40, "needed": 2, "met": True, "held": True}
    # Level 1's vouches don't count towards level 2 (one from a level-2 member is needed).
    vouches = next(r for r in data["next"] if r["requirement"] == "vouches")
    assert vouches["value"] == 0
    assert vouches["met"] is False
    mine = api_client(voucher).get(f"/api/v1/members/{member.username}/trust").json()
    assert mine["vouched"] is True
    assert mine["vouches_left"] == 4
