"""Demo access: members waiting in line (one moved up by a friend who joined through
their invitation), and an admitted member's invitations in every state."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.utils import timezone

from tribune.accounts.demo import DemoMember
from tribune.accounts.invitations import invitation_create, invitation_redeem
from tribune.accounts.models import Access, Invitation, Member
from tribune.accounts.services import member_create, member_update_profile
from tribune.accounts.waitlist import member_email_verified, waitlist_join
from tribune.core.demo import DEMO_PASSWORD, DemoStep
from tribune.core.exceptions import ServiceError

# They join the line in this order.
WAITING: tuple[DemoMember, ...] = (
    DemoMember(
        "ines",
        "Inès Garnier",
        "member",
        "Europe/Brussels",
        dt.date(1994, 2, 7),
        9,
        "Urbaniste à Bruxelles. J'attends mon tour pour parler de tramways.",
    ),
    DemoMember(
        "mateo",
        "Mateo Rossi",
        "member",
        "Europe/Rome",
        dt.date(1986, 10, 23),
        7,
        "Wine-maker near Verona, curious about soil science.",
    ),
    DemoMember(
        "yuki",
        "Yuki Sato",
        "member",
        "Asia/Tokyo",
        dt.date(2000, 4, 1),
        5,
        "Physics student in Sendai.",
    ),
    DemoMember(
        "kwame",
        "Kwame Mensah",
        "member",
        "Africa/Accra",
        dt.date(1989, 12, 12),
        4,
        "Radio producer in Accra. Invited a friend to move up the line.",
    ),
    DemoMember(
        "elena",
        "Elena Petrova",
        "member",
        "Europe/Sofia",
        dt.date(1992, 7, 30),
        2,
        "Translator in Sofia: Bulgarian, English, French.",
    ),
)

# Kwame's friend, who joins through his invitation: Kwame moves up the line.
KWAMES_FRIEND = DemoMember(
    "zara",
    "Zara Ahmed",
    "member",
    "Europe/London",
    dt.date(1995, 1, 19),
    1,
    "Joined because Kwame kept talking about it.",
)

# Camille's friends: one joined (invitation accepted), one has not confirmed yet (used).
CAMILLES_FRIENDS: tuple[tuple[DemoMember, bool], ...] = (
    (
        DemoMember(
            "bruno",
            "Bruno Costa",
            "member",
            "America/Sao_Paulo",
            dt.date(1983, 3, 3),
            30,
            "Camille's colleague from a science-writing workshop in São Paulo.",
        ),
        True,
    ),
    (
        DemoMember(
            "rosa",
            "Rosa Jiménez",
            "member",
            "Europe/Madrid",
            dt.date(1997, 8, 8),
            1,
            "",
        ),
        False,
    ),
)

INVITER = "camille"


def _taken(spec: DemoMember) -> bool:
    """Made by an earlier run, or someone took the demo name or address meanwhile."""
    return Member.objects.filter(username__iexact=spec.username).exists() or (
        Member.objects.filter(email__iexact=spec.email).exists()
    )


def _signed_up(spec: DemoMember, *, confirmed: bool) -> Member | None:
    """A member as the sign-up form leaves them: waiting until their access is settled."""
    if _taken(spec):
        return None
    member, _password = member_create(
        username=spec.username,
        email=spec.email,
        display_name=spec.name,
        password=DEMO_PASSWORD,
        confirmed=confirmed,
    )
    member_update_profile(
        actor=member, member=member, display_name=spec.name, bio=spec.bio, time_zone=spec.time_zone
    )
    # member_create admits (it is the operator's tool); sign-up leaves a member
    # waitlisted until confirming their e-mail settles it, and no service sets the
    # join date, so the demo sets both as sign-up would have.
    joined = timezone.now() - dt.timedelta(days=spec.joined_days_ago)
    Member.objects.filter(pk=member.pk).update(
        access=Access.WAITLISTED, date_of_birth=spec.born, created_at=joined, date_joined=joined
    )
    member.refresh_from_db()
    return member


def _wait_in_line(spec: DemoMember) -> bool:
    member = _signed_up(spec, confirmed=True)
    if member is None:
        return False
    # Whatever the site's mode: the demo shows a line.
    waitlist_join(member=member)
    return True


def _invited(inviter_name: str, spec: DemoMember, *, confirmed: bool) -> bool:
    """The friend signs up with the inviter's code, and confirms their e-mail or not yet."""
    inviter = Member.objects.filter(username=inviter_name).first()
    if inviter is None or _taken(spec):
        return False
    try:
        invitation = invitation_create(actor=inviter)
    except ServiceError:
        return False  # the inviter was suspended, or spent this month's invitations
    friend = _signed_up(spec, confirmed=confirmed)
    if friend is None:
        return False
    invitation_redeem(code=invitation.code, member=friend)
    if confirmed:
        member_email_verified(member=friend)
    return True


def _unused_invitations(inviter: Member, *, expired: bool) -> bool:
    now = timezone.now()
    unused = Invitation.objects.filter(inviter=inviter, used_by__isnull=True, used_at__isnull=True)
    return (
        unused.filter(expires_at__lte=now) if expired else unused.filter(expires_at__gt=now)
    ).exists()


def _open_invitation(inviter_name: str) -> bool:
    inviter = Member.objects.filter(username=inviter_name).first()
    if inviter is None or _unused_invitations(inviter, expired=False):
        return False
    try:
        invitation_create(actor=inviter)
    except ServiceError:
        return False  # the inviter was suspended, or spent this month's invitations
    return True


def _expired_invitation(inviter_name: str) -> bool:
    inviter = Member.objects.filter(username=inviter_name).first()
    if inviter is None or _unused_invitations(inviter, expired=True):
        return False
    try:
        invitation = invitation_create(actor=inviter)
    except ServiceError:
        return False  # the inviter was suspended, or spent this month's invitations
    # Made three weeks ago and never used: no service moves an invitation in time.
    made = timezone.now() - dt.timedelta(days=21)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=made, expires_at=made + dt.timedelta(days=14)
    )
    return True


def steps() -> list[DemoStep]:
    """The line first, then the invitations."""
    result = [
        DemoStep(f"{spec.username} waits in line", partial(_wait_in_line, spec)) for spec in WAITING
    ]
    result.append(
        DemoStep(
            f"{KWAMES_FRIEND.username} joins through kwame's invitation",
            partial(_invited, "kwame", KWAMES_FRIEND, confirmed=True),
        )
    )
    result.extend(
        DemoStep(
            f"{spec.username} signs up with {INVITER}'s invitation",
            partial(_invited, INVITER, spec, confirmed=confirmed),
        )
        for spec, confirmed in CAMILLES_FRIENDS
    )
    result.append(DemoStep(f"{INVITER}'s open invitation", partial(_open_invitation, INVITER)))
    result.append(
        DemoStep(f"{INVITER}'s expired invitation", partial(_expired_invitation, INVITER))
    )
    return result
