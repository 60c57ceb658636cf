"""Appeals: an action's appeal, those waiting for staff, and the signed link a suspended
member appeals through without logging in.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.permissions import (
    Viewer,
)
from tribune.core.exceptions import Forbidden, NotFound, ServiceError
from tribune.core.pagination import Page as ListPage
from tribune.core.pagination import (
    paginate_keyset,
)
from tribune.moderation.models import (
    Appeal,
    AppealState,
    ModerationAction,
)
from tribune.moderation.permissions import (
    can_decide_appeal,
)
from tribune.moderation.selectors.log import log_entry_get


def appeal_of(action: ModerationAction) -> Appeal | None:
    """The appeal against a log line (selected with it by log_queryset), if any."""
    try:
        return action.appeal
    except Appeal.DoesNotExist:
        return None


def appeals_pending(
    *, viewer: Viewer, cursor: str | None = None, limit: int | str | None = None
) -> ListPage[Appeal]:
    """Appeals waiting for a decision, newest first (staff)."""
    if not can_decide_appeal(viewer):
        raise Forbidden
    queryset = Appeal.objects.filter(state=AppealState.PENDING).select_related(
        "appellant", "action__actor", "action__affected", "action__subwiki"
    )
    return paginate_keyset(queryset, cursor=cursor, limit=limit)


def appeal_for_action(*, action: ModerationAction) -> Appeal | None:
    """The appeal against an action, if one was made."""
    return Appeal.objects.filter(action=action).first()


# A suspended member cannot log in, so the e-mail telling them of their suspension
# carries a signed link to appeal it without logging in (Mastodon lets them appeal too):
# the action and the member, signed with the site's secret key and dated.
APPEAL_LINK_SALT = "tribune.appeal"


APPEAL_LINK_MAX_AGE = dt.timedelta(days=30)


class AppealLinkExpired(ServiceError):
    code = "appeal_link_expired"

    def __init__(self) -> None:
        super().__init__(
            _(
                "This appeal link has expired: the links sent by e-mail work for 30 days. "
                "Write to the site's staff if you still want to appeal."
            )
        )


def appeal_link_token(action: ModerationAction) -> str:
    """The token of an appeal link for the member an action concerns (valid 30 days)."""
    return signing.dumps([action.pk, action.affected_id], salt=APPEAL_LINK_SALT)


def appeal_link_get(*, token: str) -> tuple[ModerationAction, Member]:
    """The action an appeal link names and the member it was sent to; NotFound for a link
    the site did not sign (or whose member or action is gone), AppealLinkExpired when old."""
    try:
        action_id, member_id = signing.loads(
            token, salt=APPEAL_LINK_SALT, max_age=APPEAL_LINK_MAX_AGE
        )
    except signing.SignatureExpired:
        raise AppealLinkExpired from None
    except (signing.BadSignature, TypeError, ValueError):
        raise NotFound from None
    if not isinstance(member_id, int) or isinstance(member_id, bool):
        raise NotFound
    member = Member.objects.filter(pk=member_id, is_active=True).first()
    if member is None:
        raise NotFound
    action = log_entry_get(viewer=member, action_id=action_id)
    if action.affected_id != member.pk:
        raise NotFound
    return action, member
