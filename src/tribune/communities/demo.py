"""Demo subwikis: public and private communities with members, roles, follows and an
edited description."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.communities.models import Membership, Role, Subwiki
from tribune.communities.services import (
    membership_approve,
    membership_set_role,
    subwiki_create,
    subwiki_description_edit,
    subwiki_follow,
    subwiki_join,
)
from tribune.core.demo import DemoSkipped, DemoStep


@dataclass(frozen=True)
class DemoSubwiki:
    slug: str
    name: str
    owner: str
    visibility: str
    is_default: bool
    description: str
    members: tuple[str, ...]
    moderators: tuple[str, ...] = ()
    followers: tuple[str, ...] = ()
    description_edit: tuple[str, str, str] | None = None  # (editor, new text, summary)


SUBWIKIS: tuple[DemoSubwiki, ...] = (
    DemoSubwiki(
        "climate",
        "Climate & Energy",
        "camille",
        "public",
        True,
        "News and research on the climate and the energy transition.\n\n"
        "- Link to the study, not only to the article about it.\n"
        "- Numbers need a source.\n",
        ("theo", "priya", "jonas", "amara", "liam"),
        moderators=("priya",),
        followers=("haruka", "noah", "sofia"),
        description_edit=(
            "priya",
            "News and research on the climate and the energy transition.\n\n"
            "- Link to the study, not only to the article about it.\n"
            "- Numbers need a source, and a date.\n"
            "- Say when a claim is disputed, and by whom.\n",
            "Add a rule about disputed claims",
        ),
    ),
    DemoSubwiki(
        "science",
        "Science",
        "amara",
        "public",
        True,
        "Discoveries, preprints and the people who check them. Preprints are welcome; "
        "label them as such.\n",
        ("camille", "haruka", "jonas", "lea"),
        moderators=("jonas",),
        followers=("noah", "theo"),
    ),
    DemoSubwiki(
        "local-news",
        "Local News",
        "liam",
        "public",
        False,
        "What happens where you live, reported by people who live there. Say which "
        "town in the title.\n",
        ("noah", "sofia", "theo"),
        followers=("camille",),
    ),
    DemoSubwiki(
        "medias",
        "Médias et vérification",
        "mireille",
        "public",
        False,
        "Comment vérifier une information : méthodes, outils et études de cas.\n",
        ("lea", "camille", "theo"),
        moderators=("lea",),
    ),
    DemoSubwiki(
        "open-source",
        "Open Source & Privacy",
        "haruka",
        "public",
        False,
        "Free software, digital rights and the tools that respect their users.\n",
        ("jonas", "sofia", "liam"),
        followers=("priya",),
    ),
    DemoSubwiki(
        "editors",
        "Editors' Room",
        "mireille",
        "private",
        False,
        "A private room for the site's editors to coordinate fact-checks before they "
        "are published.\n",
        ("camille", "lea"),
    ),
)


_OWNERS = {spec.slug: spec.owner for spec in SUBWIKIS}


def demo_subwiki(slug: str) -> Subwiki | None:
    """The demo's subwiki at `slug`, or None when the subwiki there is someone else's.

    The demo's own is the one its owner made: a site may have had a subwiki at that
    address before the demo came, and the demo must write nothing in it.
    """
    subwiki = Subwiki.objects.select_related("created_by").get(slug=slug)
    if subwiki.created_by is None or subwiki.created_by.username != _OWNERS[slug]:
        return None
    return subwiki


def _member(username: str) -> Member:
    return Member.objects.get(username=username)


def _create(spec: DemoSubwiki) -> bool:
    if Subwiki.objects.filter(slug=spec.slug).exists():
        if demo_subwiki(spec.slug) is None:
            raise DemoSkipped(
                _(
                    "Left alone the subwiki at /s/%(slug)s/, which is not the demo's: the "
                    "demo's posts and moderation there are skipped."
                )
                % {"slug": spec.slug}
            )
        return False
    owner = _member(spec.owner)
    subwiki = subwiki_create(
        actor=owner,
        name=spec.name,
        slug=spec.slug,
        description=spec.description,
        visibility=spec.visibility,
    )
    if spec.is_default:
        Subwiki.objects.filter(pk=subwiki.pk).update(is_default=True)
    for username in spec.members:
        member = _member(username)
        membership = subwiki_join(actor=member, subwiki=subwiki)
        if spec.visibility == "private" and membership.state == "requested":
            membership_approve(actor=owner, subwiki=subwiki, username=username)
    for username in spec.moderators:
        membership_set_role(actor=owner, subwiki=subwiki, username=username, role=Role.MODERATOR)
    for username in spec.followers:
        subwiki_follow(actor=_member(username), subwiki=subwiki)
    if spec.description_edit is not None:
        editor, text, summary = spec.description_edit
        subwiki_description_edit(
            actor=_member(editor),
            subwiki=subwiki,
            description=text,
            base_revision=subwiki.page.current_revision_id,
            summary=summary,
        )
    return True


def _pending_join_request() -> bool:
    # One open request, so moderators see the approval flow in the demo.
    subwiki = demo_subwiki("editors")
    if subwiki is None:
        raise DemoSkipped(
            _("Skipped a request to join /s/%(slug)s/, which is not the demo's.")
            % {"slug": "editors"}
        )
    requester = _member("noah")
    if Membership.objects.filter(subwiki=subwiki, member=requester).exists():
        return False
    subwiki_join(actor=requester, subwiki=subwiki)
    return True


def steps() -> list[DemoStep]:
    """One step per demo subwiki, then an open request to join the private one."""
    return [
        *[DemoStep(f"subwiki {spec.slug}", partial(_create, spec)) for spec in SUBWIKIS],
        DemoStep("a request to join", _pending_join_request),
    ]
