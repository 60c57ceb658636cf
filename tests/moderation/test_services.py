"""Reports, moderation actions and appeals through the real services: each action's
effect and its line in the log, the member told, appeals once only, bans enforced."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import make_post
from tests.moderation import places
from tests.moderation.places import Place, fresh
from tribune.accounts.models import Access
from tribune.communities.models import Subwiki
from tribune.communities.services import subwiki_description_edit, subwiki_update_settings
from tribune.core.exceptions import Conflict, Forbidden, NotFound, RateLimited, ServiceError
from tribune.moderation.models import (
    Appeal,
    AppealState,
    Ban,
    ModerationAction,
    Report,
    ReportState,
)
from tribune.moderation.selectors.log import log_entries, log_entry_get
from tribune.moderation.services.actions import moderation_act
from tribune.moderation.services.appeals import appeal_create, appeal_decide
from tribune.moderation.services.reports import report_create
from tribune.posts.models import Post
from tribune.posts.selectors import post_get
from tribune.posts.services import post_create, post_edit, posts_end_expired_protections
from tribune.talk.models import Comment, CommentState
from tribune.talk.services import comment_create, comment_edit
from tribune.wiki.models import Revision, RevisionStatus

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def act(place: Place, actor, action: str, target: str, reason: str = "Because.", **extra):
    return moderation_act(actor=actor, action=action, target=target, reason=reason, **extra)


# --- Reports --------------------------------------------------------------------------


def test_a_report_goes_to_the_queue_of_the_subwiki_it_is_about(place: Place):
    report = report_create(
        reporter=place.member, target=f"post:{place.post.pk}", reason="spam", details="Ads."
    )
    assert (report.subwiki, report.target_member, report.state) == (
        place.square,
        place.author,
        ReportState.OPEN,
    )
    about_member = report_create(reporter=place.member, target="member:author", reason="abuse")
    assert about_member.subwiki is None  # staff's queue
    assert about_member.target == f"member:{place.author.pk}"


def test_one_open_report_per_member_and_target(place: Place):
    target = f"comment:{place.comment.pk}"
    report_create(reporter=place.member, target=target, reason="abuse")
    with pytest.raises(Conflict) as refused:
        report_create(reporter=place.member, target=target, reason="spam")
    assert refused.value.code == "already_reported"
    report_create(reporter=place.trusted, target=target, reason="spam")  # someone else may
    assert Report.objects.filter(target=target).count() == 2


def test_reports_are_refused_with_a_reason(place: Place):
    with pytest.raises(ServiceError) as refused:
        report_create(
            reporter=place.member, target=f"member:{place.member.username}", reason="spam"
        )
    assert refused.value.code == "cannot_report_self"
    with pytest.raises(ServiceError) as refused:
        report_create(reporter=place.member, target=f"post:{place.post.pk}", reason="boring")
    assert refused.value.code == "invalid_reason"
    for bad in ("post", "post:", "page:1", "post:abc", "x" * 100):
        with pytest.raises((ServiceError, NotFound)):
            report_create(reporter=place.member, target=bad, reason="spam")
    with pytest.raises(Forbidden):
        report_create(reporter=place.waitlisted, target=f"post:{place.post.pk}", reason="spam")


def test_private_content_cannot_be_reported_by_outsiders(place: Place):
    target = f"post:{place.private_post.pk}"
    with pytest.raises(NotFound):
        report_create(reporter=place.member, target=target, reason="spam")
    assert report_create(reporter=place.author, target=target, reason="spam").subwiki == (
        place.backroom
    )


def test_reports_are_rate_limited(place: Place, settings):
    settings.TRIBUNE_RATE_LIMITS = {"report": {"member": "1/h", "new_member": "1/h"}}
    report_create(reporter=place.member, target=f"post:{place.post.pk}", reason="spam")
    with pytest.raises(RateLimited) as limited:
        report_create(reporter=place.member, target=f"comment:{place.comment.pk}", reason="spam")
    assert limited.value.retry_after > 0


# --- Remove and restore ---------------------------------------------------------------


def test_a_removed_post_is_404_to_members_and_visible_to_moderators(
    place: Place, django_capture_on_commit_callbacks
):
    target = f"post:{place.post.pk}"
    report_create(reporter=place.member, target=target, reason="spam")
    with django_capture_on_commit_callbacks(execute=True):
        line = act(place, place.submod, "remove", target, "Advertising.")
    assert (line.action, line.target, line.affected, line.subwiki) == (
        "remove",
        target,
        place.author,
        place.square,
    )
    assert line.details["title"] == "Open post"
    assert Report.objects.get(target=target).state == ReportState.UPHELD
    for viewer in (place.member, place.author, place.visitor, place.othermod):
        with pytest.raises(NotFound):
            post_get(viewer=viewer, post_id=place.post.pk)
    for moderator in (place.submod, place.sitemod, place.staff, place.owner):
        assert post_get(viewer=moderator, post_id=place.post.pk).is_removed
    # The author is told why, with the way to appeal.
    (message,) = mail.outbox
    assert message.to == [place.author.email]
    assert "Advertising." in message.body
    assert f"/moderation/actions/{line.pk}/appeal/" in message.body

    with pytest.raises(Conflict):
        act(place, place.submod, "remove", target)
    act(place, place.submod, "restore", target, "It was fine.")
    assert not post_get(viewer=place.member, post_id=place.post.pk).is_removed


def test_removing_a_comment_leaves_a_tombstone_that_moderators_can_restore(place: Place):
    target = f"comment:{place.comment.pk}"
    act(place, place.sitemod, "remove", target)
    comment = Comment.objects.get(pk=place.comment.pk)
    assert comment.state == CommentState.REMOVED
    assert comment.body == "A thought."  # kept for moderators
    assert Post.objects.get(pk=place.post.pk).comment_count == 0
    line = act(place, place.sitemod, "restore", target)
    assert line.action == "restore"
    assert Comment.objects.get(pk=place.comment.pk).state == CommentState.VISIBLE
    assert Post.objects.get(pk=place.post.pk).comment_count == 1


def test_actions_refuse_bad_input_with_a_reason(place: Place):
    post = f"post:{place.post.pk}"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"action": "delete", "target": post}, "invalid_action"),
        ({"action": "remove", "target": post, "reason": "  "}, "reason_required"),
        ({"action": "lock", "target": f"comment:{place.comment.pk}"}, "invalid_target"),
        ({"action": "remove", "target": post, "duration_days": 3}, "invalid_duration"),
        ({"action": "protect", "target": post, "duration_days": 0}, "invalid_duration"),
        ({"action": "protect", "target": post, "duration_days": 99999}, "invalid_duration"),
        ({"action": "remove", "target": post, "subwiki": "square"}, "invalid_subwiki"),
        ({"action": "ban", "target": "member:author"}, "subwiki_required"),
    ]
    for given, code in cases:
        given.setdefault("reason", "Because.")
        with pytest.raises(ServiceError) as refused:
            moderation_act(actor=place.staff, **given)
        assert refused.value.code == code, given
    assert not ModerationAction.objects.exists()


def test_members_may_not_moderate(place: Place):
    with pytest.raises(Forbidden):
        act(place, place.member, "remove", f"post:{place.post.pk}")
    with pytest.raises(Forbidden):
        act(place, place.othermod, "lock", f"post:{place.post.pk}")
    with pytest.raises(NotFound):  # what they may not see does not exist for them
        act(place, place.sitemod, "remove", f"post:{place.private_post.pk}")
    assert not ModerationAction.objects.exists()


# --- Lock and protect -----------------------------------------------------------------


def test_a_locked_post_takes_no_edits_and_no_comments(place: Place):
    target = f"post:{place.post.pk}"
    act(place, place.submod, "lock", target, "Heated.")
    assert Post.objects.get(pk=place.post.pk).locked_at is not None
    with pytest.raises(Forbidden, match="locked"):
        post_edit(
            actor=place.author,
            post_id=place.post.pk,
            changes={"body": "Mine."},
            base_revision=None,
        )
    with pytest.raises(Forbidden, match="locked"):
        comment_create(author=place.member, post_id=place.post.pk, body="Hello.")
    with pytest.raises(Forbidden):
        comment_edit(actor=place.author, comment_id=place.comment.pk, body="Changed.")
    act(place, place.submod, "unlock", target, "Calmer now.")
    comment_create(author=place.member, post_id=place.post.pk, body="Hello.")


def test_a_protection_ends_by_itself_and_the_old_policy_returns(place: Place):
    target = f"post:{place.post.pk}"
    line = act(place, place.submod, "protect", target, "Edit war.", duration_days=3)
    assert line.expires_at is not None
    assert line.details["previous_policy"] == "open"
    post = Post.objects.get(pk=place.post.pk)
    assert (post.edit_policy, post.policy_before_protection) == ("protected", "open")

    def edit(actor):
        return post_edit(
            actor=actor, post_id=place.post.pk, changes={"title": str(actor)}, base_revision=None
        )

    with pytest.raises(Forbidden, match="protected"):
        edit(place.member)
    edit(place.submod)
    # Three days later: the permission reads the policy in force, the task writes it back.
    Post.objects.filter(pk=place.post.pk).update(
        protected_until=timezone.now() - dt.timedelta(minutes=1)
    )
    edit(place.member)
    assert posts_end_expired_protections() == 1
    post = Post.objects.get(pk=place.post.pk)
    assert (post.edit_policy, post.protected_until, post.policy_before_protection) == (
        "open",
        None,
        "",
    )


# --- Bans -----------------------------------------------------------------------------


def test_banned_members_cannot_post_edit_or_comment_in_that_subwiki(
    place: Place, django_capture_on_commit_callbacks
):
    author = place.author
    with django_capture_on_commit_callbacks(execute=True):
        line = act(place, place.submod, "ban", "member:author", "Spam.", subwiki="square")
    assert Ban.objects.get(member=author, subwiki=place.square).action == line
    assert line.subwiki == place.square and line.expires_at is None
    with pytest.raises(Forbidden, match="banned"):
        post_create(author=author, subwiki=place.square, kind="text", body="Again.")
    with pytest.raises(Forbidden):
        post_edit(actor=author, post_id=place.post.pk, changes={"body": "x"}, base_revision=None)
    with pytest.raises(Forbidden, match="banned"):
        comment_create(author=author, post_id=place.post.pk, body="Hello.")
    with pytest.raises(Forbidden):
        subwiki_description_edit(
            actor=author, subwiki=place.square, description="Mine.", base_revision=None
        )
    # Elsewhere they are free.
    post_create(author=author, subwiki=place.annex, kind="text", body="Elsewhere.")
    post_create(author=author, subwiki=None, kind="text", body="On my profile.")

    with pytest.raises(Conflict):
        act(place, place.submod, "ban", "member:author", subwiki="square")
    act(place, place.submod, "unban", "member:author", "Served.", subwiki="square")
    post_create(author=author, subwiki=place.square, kind="text", body="Back.")
    with pytest.raises(Conflict):
        act(place, place.submod, "unban", "member:author", subwiki="square")


def test_a_ban_for_some_days_ends_by_itself(place: Place):
    line = act(place, place.submod, "ban", f"post:{place.post.pk}", "Spam.", duration_days=7)
    assert line.target == f"member:{place.author.pk}"  # the post's author
    assert line.expires_at is not None
    with pytest.raises(Forbidden):
        post_create(author=place.author, subwiki=place.square, kind="text", body="Again.")
    Ban.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    author = fresh(place.author)
    post_create(author=author, subwiki=place.square, kind="text", body="Again.")
    # An ended ban does not stand in the way of a new one.
    act(place, place.submod, "ban", "member:author", "Again.", subwiki="square")
    assert Ban.objects.filter(member=author, lifted_at__isnull=True).count() == 1


# --- Suspensions ----------------------------------------------------------------------


def test_staff_suspend_and_unsuspend_accounts(place: Place):
    line = act(place, place.staff, "suspend", "member:author", "Repeated abuse.")
    assert (line.subwiki, line.details["previous_access"]) == (None, "admitted")
    assert fresh(place.author).access == Access.SUSPENDED
    with pytest.raises(Conflict):
        act(place, place.staff, "suspend", "member:author")
    act(place, place.staff, "unsuspend", "member:author", "Second chance.")
    assert fresh(place.author).access == Access.ADMITTED
    with pytest.raises(Forbidden):
        act(place, place.sitemod, "suspend", "member:author")


def test_suspending_takes_a_member_out_of_the_waitlist(place: Place):
    waiting = place.waitlisted
    waiting.waitlist_key = 5
    waiting.save(update_fields=["waitlist_key"])
    act(place, place.staff, "suspend", f"member:{waiting.username}", "Spam account.")
    assert (fresh(waiting).access, fresh(waiting).waitlist_key) == (Access.SUSPENDED, None)


# --- Dismiss, review, rollback, patrol -----------------------------------------------------


def test_dismissing_closes_the_open_reports(place: Place):
    target = f"comment:{place.comment.pk}"
    report_create(reporter=place.member, target=target, reason="abuse")
    report_create(reporter=place.trusted, target=target, reason="abuse")
    line = act(place, place.submod, "dismiss", target, "Blunt, not abusive.")
    assert line.affected is None and line.details["reports"] == 2
    assert set(Report.objects.values_list("state", flat=True)) == {ReportState.DISMISSED}
    with pytest.raises(Conflict) as refused:
        act(place, place.submod, "dismiss", target)
    assert refused.value.code == "no_open_reports"


def test_approving_and_rejecting_pending_revisions(place: Place):
    target = f"revision:{place.pending_edit.pk}"
    line = act(place, place.trusted, "approve_revision", target, reason="")
    assert line.affected == place.editor
    assert Revision.objects.get(pk=place.pending_edit.pk).status == RevisionStatus.LIVE
    assert Post.objects.get(pk=place.reviewed.pk).body == "A suggestion.\n"
    with pytest.raises(ServiceError):  # not pending any more
        act(place, place.trusted, "reject_revision", target)

    _post, again = post_edit(
        actor=place.editor, post_id=place.reviewed.pk, changes={"title": "Mine"}, base_revision=None
    )
    report_create(reporter=place.member, target=f"revision:{again.revision.pk}", reason="vandalism")
    act(place, place.submod, "reject_revision", f"revision:{again.revision.pk}", "Not better.")
    assert Revision.objects.get(pk=again.revision.pk).status == RevisionStatus.REJECTED
    assert Report.objects.get().state == ReportState.UPHELD


def test_approving_a_pending_description_edit(place: Place):
    square = place.square
    subwiki_update_settings(
        actor=place.owner,
        subwiki=square,
        name=square.name,
        visibility="public",
        description_edit_policy="reviewed",
        min_post_edit_policy="open",
    )
    result = subwiki_description_edit(
        actor=place.member, subwiki=square, description="Better.", base_revision=None
    )
    assert result.pending
    line = act(place, place.sitemod, "approve_revision", f"revision:{result.revision.pk}", "")
    assert line.details == {"description_of": "square", "title": "Square"}
    assert Subwiki.objects.get(pk=square.pk).description == "Better."


def test_rollback_undoes_a_members_consecutive_edits(place: Place):
    _post, second = post_edit(
        actor=place.editor, post_id=place.post.pk, changes={"title": "Spam"}, base_revision=None
    )
    report_create(
        reporter=place.member, target=f"revision:{place.live_edit.pk}", reason="vandalism"
    )
    line = act(place, place.submod, "rollback", f"revision:{second.revision.pk}", "Vandalism.")
    assert line.affected == place.editor
    assert line.details["revisions"] == [second.revision.pk, place.live_edit.pk]
    post = Post.objects.get(pk=place.post.pk)
    assert (post.title, post.body) == ("Open post", "First line.\nSecond line.\nThird line.\n")
    assert Report.objects.get().state == ReportState.UPHELD
    with pytest.raises(ServiceError):
        act(place, place.submod, "rollback", f"post:{place.post.pk}")  # latest is the mod's


def test_patrolling_marks_a_revision_checked_once(place: Place):
    target = f"revision:{place.live_edit.pk}"
    line = act(place, place.trusted, "patrol", target, reason="")
    assert line.affected is None
    assert Revision.objects.get(pk=place.live_edit.pk).patrolled
    with pytest.raises(Conflict):
        act(place, place.trusted, "patrol", target, reason="")
    with pytest.raises(ServiceError) as refused:
        act(place, place.trusted, "patrol", f"revision:{place.pending_edit.pk}", reason="")
    assert refused.value.code == "not_live"


# --- Appeals --------------------------------------------------------------------------


def test_the_member_concerned_appeals_once_and_staff_decide(
    place: Place, django_capture_on_commit_callbacks
):
    removal = act(place, place.submod, "remove", f"post:{place.post.pk}", "Spam.")
    with pytest.raises(Forbidden):
        appeal_create(member=place.member, action_id=removal.pk, text="Unfair!")
    appeal = appeal_create(member=place.author, action_id=removal.pk, text="It was news.")
    assert appeal.state == AppealState.PENDING
    with pytest.raises(Conflict) as refused:
        appeal_create(member=place.author, action_id=removal.pk, text="Again.")
    assert refused.value.code == "already_appealed"
    with pytest.raises(Forbidden):
        appeal_decide(actor=place.submod, appeal_id=appeal.pk, grant=True, decision="Yes.")

    with django_capture_on_commit_callbacks(execute=True):
        appeal = appeal_decide(
            actor=place.staff, appeal_id=appeal.pk, grant=True, decision="It was news."
        )
    assert appeal.state == AppealState.GRANTED
    assert not Post.objects.get(pk=place.post.pk).is_removed  # undone
    decided = ModerationAction.objects.get(action="appeal_decided")
    assert (decided.affected, decided.target, decided.details["undone"]) == (
        place.author,
        removal.target,
        True,
    )
    (message,) = mail.outbox
    assert "granted" in message.body.lower() and message.to == [place.author.email]
    with pytest.raises(Conflict):
        appeal_decide(actor=place.staff, appeal_id=appeal.pk, grant=False, decision="No.")


def test_granted_appeals_lift_bans_and_suspensions_and_denied_ones_change_nothing(place: Place):
    ban = act(place, place.submod, "ban", "member:author", "Spam.", subwiki="square")
    suspension = act(place, place.staff, "suspend", "member:editor", "Vandal.")
    appeal = appeal_create(member=place.author, action_id=ban.pk, text="Sorry.")
    appeal_decide(actor=place.staff, appeal_id=appeal.pk, grant=True, decision="Fair.")
    assert not Ban.objects.filter(lifted_at__isnull=True).exists()
    appeal = appeal_create(member=place.editor, action_id=suspension.pk, text="Sorry.")
    appeal_decide(actor=place.staff, appeal_id=appeal.pk, grant=False, decision="No.")
    assert fresh(place.editor).access == Access.SUSPENDED
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.DENIED


def test_only_actions_that_take_something_can_be_appealed(place: Place):
    approval = act(place, place.trusted, "approve_revision", f"revision:{place.pending_edit.pk}")
    with pytest.raises(ServiceError) as refused:
        appeal_create(member=place.editor, action_id=approval.pk, text="?")
    assert refused.value.code == "not_appealable"
    with pytest.raises(NotFound):
        appeal_create(member=place.editor, action_id=999999, text="?")


# --- The log --------------------------------------------------------------------------


def test_the_log_hides_private_subwiki_entries_from_outsiders(place: Place):
    public = act(place, place.submod, "lock", f"post:{place.post.pk}", "Heated.")
    private = act(place, place.owner, "lock", f"post:{place.private_post.pk}", "Quiet.")
    suspension = act(place, place.staff, "suspend", "member:editor", "Vandal.")

    def seen(viewer):
        return [line.pk for line in log_entries(viewer=viewer).items]

    everything = [suspension.pk, private.pk, public.pk]
    assert seen(place.staff) == everything
    assert seen(place.author) == everything  # a member of the back room
    assert seen(place.owner) == everything
    for outsider in (place.member, place.visitor, place.sitemod, place.submod):
        assert seen(outsider) == [suspension.pk, public.pk]
        with pytest.raises(NotFound):
            log_entry_get(viewer=outsider, action_id=private.pk)
    assert [line.pk for line in log_entries(viewer=place.staff, subwiki=place.backroom).items] == [
        private.pk
    ]
    assert [line.pk for line in log_entries(viewer=place.member, action="suspend").items] == [
        suspension.pk
    ]


def test_every_action_is_in_the_log(place: Place):
    target = f"post:{place.post.pk}"
    for action in ("lock", "unlock", "protect", "remove", "restore"):
        act(place, place.submod, action, target)
    logged = [line.action for line in log_entries(viewer=place.visitor).items]
    assert logged == ["restore", "remove", "protect", "unlock", "lock"]


def test_a_member_banned_from_a_private_subwiki_still_sees_their_ban(place: Place):
    line = act(place, place.owner, "ban", "member:author", "Off topic.", subwiki="backroom")
    from tribune.communities.services import membership_remove

    membership_remove(actor=place.owner, subwiki=fresh_subwiki(place.backroom), username="author")
    assert log_entry_get(viewer=fresh(place.author), action_id=line.pk) == line
    appeal_create(member=place.author, action_id=line.pk, text="Let me back.")


def fresh_subwiki(subwiki: Subwiki) -> Subwiki:
    return Subwiki.objects.get(pk=subwiki.pk)


def test_removed_posts_leave_the_lists(place: Place):
    other = make_post(author=place.author, subwiki=place.square, title="Other")
    act(place, place.submod, "remove", f"post:{other.pk}")
    from tribune.posts.selectors import posts_in_subwiki

    titles = [p.title for p in posts_in_subwiki(viewer=place.member, subwiki=place.square).items]
    assert "Other" not in titles and "Open post" in titles
