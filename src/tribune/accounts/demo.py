"""Demo members: a staff account, a site moderator and ten members from several countries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.utils import timezone

from tribune.accounts.models import Member
from tribune.accounts.services import member_create, member_update_profile
from tribune.core.demo import DEMO_ADMIN, DEMO_PASSWORD, DemoStep


@dataclass(frozen=True)
class DemoMember:
    username: str
    name: str
    role: str
    time_zone: str
    born: dt.date
    joined_days_ago: int
    bio: str

    @property
    def email(self) -> str:
        # example.org is reserved for examples: mail to it never reaches anyone.
        return f"{self.username}@example.org"


MEMBERS: tuple[DemoMember, ...] = (
    DemoMember(
        DEMO_ADMIN,
        "Ada Okafor",
        "staff",
        "Europe/London",
        dt.date(1984, 3, 9),
        420,
        "I keep this Tribune running. Questions about the site, the servers or the "
        "finances: ask me here.",
    ),
    DemoMember(
        "mireille",
        "Mireille Dubois",
        "moderator",
        "Europe/Paris",
        dt.date(1979, 11, 2),
        400,
        "Modératrice du site. Ancienne correctrice de presse, je tiens aux sources et "
        "aux bonnes manières.",
    ),
    DemoMember(
        "camille",
        "Camille Lefèvre",
        "member",
        "Europe/Paris",
        dt.date(1991, 6, 21),
        365,
        "Journaliste scientifique à Lyon. Climat, énergie, et tout ce qui se mesure.",
    ),
    DemoMember(
        "theo",
        "Théo Martin",
        "member",
        "America/Toronto",
        dt.date(1996, 1, 14),
        300,
        "Étudiant en sciences politiques à Montréal. Je lis les rapports pour que "
        "vous n'ayez pas à le faire.",
    ),
    DemoMember(
        "lea",
        "Léa Moreau",
        "member",
        "Europe/Paris",
        dt.date(1988, 9, 30),
        280,
        "Bibliothécaire à Nantes. Vérification des faits, archives et bonnes lectures.",
    ),
    DemoMember(
        "amara",
        "Amara Nwosu",
        "member",
        "Africa/Lagos",
        dt.date(1990, 4, 5),
        250,
        "Data journalist in Lagos. Public budgets, elections and open data.",
    ),
    DemoMember(
        "jonas",
        "Jonas Becker",
        "member",
        "Europe/Berlin",
        dt.date(1982, 8, 17),
        210,
        "Cycling commuter and urban planner in Berlin. Trains, trams and bike lanes.",
    ),
    DemoMember(
        "priya",
        "Priya Raman",
        "member",
        "Asia/Kolkata",
        dt.date(1993, 12, 3),
        180,
        "Public-health researcher in Chennai. I post studies with their limits spelled out.",
    ),
    DemoMember(
        "sofia",
        "Sofía Herrera",
        "member",
        "America/Mexico_City",
        dt.date(1987, 2, 26),
        150,
        "Science teacher in Mexico City. Astronomy nights and classroom experiments.",
    ),
    DemoMember(
        "liam",
        "Liam O'Connor",
        "member",
        "Europe/Dublin",
        dt.date(1975, 7, 8),
        120,
        "Retired sub-editor in Cork. I still cannot leave a misplaced apostrophe alone.",
    ),
    DemoMember(
        "haruka",
        "Haruka Tanaka",
        "member",
        "Asia/Tokyo",
        dt.date(1998, 5, 11),
        60,
        "Software developer in Osaka. Privacy, open source and good ramen.",
    ),
    DemoMember(
        "noah",
        "Noah Williams",
        "member",
        "America/Chicago",
        dt.date(2001, 10, 19),
        14,
        "New here. Local news from Chicago, and learning how to check a source.",
    ),
)


def _create(spec: DemoMember) -> bool:
    if Member.objects.filter(username__iexact=spec.username).exists():
        return False
    if Member.objects.filter(email__iexact=spec.email).exists():
        return False
    member, _password = member_create(
        username=spec.username,
        email=spec.email,
        display_name=spec.name,
        password=DEMO_PASSWORD,
        confirmed=True,
        role=spec.role,
    )
    member_update_profile(
        actor=member,
        member=member,
        display_name=spec.name,
        bio=spec.bio,
        time_zone=spec.time_zone,
    )
    # No service sets these two (sign-up asks for the date of birth, the join date
    # is the creation time); demo members get a plausible past instead of "today".
    joined = timezone.now() - dt.timedelta(days=spec.joined_days_ago)
    Member.objects.filter(pk=member.pk).update(
        date_of_birth=spec.born, created_at=joined, date_joined=joined
    )
    return True


def steps() -> list[DemoStep]:
    """One step per demo member."""
    return [DemoStep(f"member {spec.username}", partial(_create, spec)) for spec in MEMBERS]
