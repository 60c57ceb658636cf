"""Demo moderation: open reports in the queues, and a moderation history in the public log
with appeals: an advertiser's post removed and their appeal denied, a ban, a lock lifted
on appeal, and a vandal's edit rolled back.

Every step goes through the real services, so the log, the reports' states and the
appeals are what moderators would have left behind.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.services import member_create
from tribune.communities.demo import demo_subwiki
from tribune.core.demo import DEMO_ADMIN, DEMO_PASSWORD, DemoSkipped, DemoStep
from tribune.moderation.models import ModerationAction, Report
from tribune.moderation.services.actions import moderation_act
from tribune.moderation.services.appeals import appeal_create, appeal_decide
from tribune.moderation.services.reports import report_create
from tribune.posts.models import Post
from tribune.posts.services import post_create, post_edit

ADVERTISER = "bestdeals"
ADVERT = "Luxury watches at 90% off, this week only"
SUPERCONDUCTOR = "A preprint claims a room-temperature superconductor, again"
HEAT_PUMPS = "Heat pumps outsold gas boilers in several countries last year"
BIKE_LANES = "The town council voted on the new bike lanes"
ADVERT_PLACE = "local-news"
BAN_PLACE = "science"


def _member(username: str) -> Member:
    return Member.objects.get(username=username)


def _post(title: str) -> Post | None:
    return Post.objects.filter(title=title).order_by("created_at", "id").first()


def _advertiser() -> Member:
    found = Member.objects.filter(username=ADVERTISER).first()
    if found is not None:
        return found
    member, _password = member_create(
        username=ADVERTISER,
        email=f"{ADVERTISER}@example.org",
        display_name="Best Deals",
        password=DEMO_PASSWORD,
        confirmed=True,
    )
    # As accounts.demo does for its members: sign-up asks for it, no service sets it.
    Member.objects.filter(pk=member.pk).update(date_of_birth=dt.date(1989, 4, 1))
    member.date_of_birth = dt.date(1989, 4, 1)
    return member


def _advert_removed() -> bool:
    """An advertiser posts in Local News; two members report it; its owner removes it; the
    advertiser appeals and staff deny the appeal."""
    if Post.objects.filter(title=ADVERT).exists():
        return False
    place = demo_subwiki(ADVERT_PLACE)
    if place is None:
        raise DemoSkipped(
            _("Skipped an advert removed from /s/%(slug)s/, which is not the demo's.")
            % {"slug": ADVERT_PLACE}
        )
    advertiser = _advertiser()
    post = post_create(
        author=advertiser,
        subwiki=place,
        kind="link",
        title=ADVERT,
        url="https://deals.example.com/watches",
        body="Free shipping to every town!",
    )
    target = f"post:{post.pk}"
    report_create(
        reporter=_member("sofia"), target=target, reason="spam", details="An advert, not news."
    )
    report_create(reporter=_member("noah"), target=target, reason="spam")
    removal = moderation_act(
        actor=_member("liam"),
        action="remove",
        target=target,
        reason="Advertising is not local news.",
    )
    appeal = appeal_create(
        member=advertiser,
        action_id=removal.pk,
        text="I was only sharing a good offer with the town.",
    )
    appeal_decide(
        actor=_member(DEMO_ADMIN),
        appeal_id=appeal.pk,
        grant=False,
        decision="Adverts stay out of the subwikis, however good the offer.",
    )
    return True


def _advertiser_banned() -> bool:
    """The advertiser is banned from Science by its moderator."""
    place = demo_subwiki(BAN_PLACE)
    if place is None:
        raise DemoSkipped(
            _("Skipped a ban from /s/%(slug)s/, which is not the demo's.") % {"slug": BAN_PLACE}
        )
    advertiser = _advertiser()
    if ModerationAction.objects.filter(action="ban", affected=advertiser, subwiki=place).exists():
        return False
    moderation_act(
        actor=_member("jonas"),
        action="ban",
        target=f"member:{ADVERTISER}",
        subwiki=BAN_PLACE,
        duration_days=30,
        reason="Posted adverts in several subwikis this week.",
    )
    return True


def _lock_lifted_on_appeal() -> bool:
    """A site moderator locks a heated post; its author appeals and staff grant it."""
    post = _post(SUPERCONDUCTOR)
    if post is None:
        return False
    target = f"post:{post.pk}"
    if ModerationAction.objects.filter(action="lock", target=target).exists():
        return False
    lock = moderation_act(
        actor=_member("mireille"),
        action="lock",
        target=target,
        reason="The talk turned into a shouting match: cooling down for a day.",
    )
    appeal = appeal_create(
        member=post.author,
        action_id=lock.pk,
        text="The talk was heated but civil, and the lock stops corrections to the post.",
    )
    appeal_decide(
        actor=_member(DEMO_ADMIN),
        appeal_id=appeal.pk,
        grant=True,
        decision="Corrections matter more here; the post is open again.",
    )
    return True


def _vandalism_rolled_back() -> bool:
    """A member defaces a post; a trusted member reports it and a moderator rolls it back."""
    post = _post(HEAT_PUMPS)
    if post is None:
        return False
    if (
        ModerationAction.objects.filter(action="rollback", target__startswith="revision:")
        .filter(details__title=HEAT_PUMPS)
        .exists()
    ):
        return False
    vandal = _advertiser()
    _post_after, result = post_edit(
        actor=vandal,
        post_id=post.pk,
        changes={"title": "Heat pumps are a scam: buy our watches instead"},
        base_revision=None,
        summary="Fixed the title",
    )
    if not result.changed or result.pending:
        return False
    revision = f"revision:{result.revision.pk}"
    report_create(reporter=_member("camille"), target=revision, reason="vandalism")
    moderation_act(
        actor=_member("priya"),
        action="rollback",
        target=revision,
        reason="Vandalism of the title.",
    )
    return True


def _open_reports() -> bool:
    """Reports still waiting in the queues: a disputed figure, and a rude comment."""
    heat = _post(HEAT_PUMPS)
    bikes = _post(BIKE_LANES)
    if heat is None or bikes is None:
        return False
    target = f"post:{heat.pk}"
    if Report.objects.filter(target=target, reporter__username="amara").exists():
        return False
    report_create(
        reporter=_member("amara"),
        target=target,
        reason="misleading",
        details="The figures count heat pumps sold, not installed; the title says otherwise.",
    )
    report_create(
        reporter=_member("haruka"),
        target=f"post:{bikes.pk}",
        reason="other",
        details="The vote was postponed; the post should say so.",
    )
    return True


def steps() -> list[DemoStep]:
    """The moderation history, then the reports still open."""
    return [
        DemoStep("moderation: an advert removed, appealed, denied", partial(_advert_removed)),
        DemoStep("moderation: the advertiser banned", partial(_advertiser_banned)),
        DemoStep("moderation: a lock lifted on appeal", partial(_lock_lifted_on_appeal)),
        DemoStep("moderation: vandalism rolled back", partial(_vandalism_rolled_back)),
        DemoStep("moderation: open reports", partial(_open_reports)),
    ]
