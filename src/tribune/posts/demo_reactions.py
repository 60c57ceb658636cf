"""Demo upvotes on the demo posts, given by members who may read them."""

from __future__ import annotations

from functools import partial

from tribune.accounts.models import Member
from tribune.core.demo import DemoStep
from tribune.core.exceptions import ServiceError
from tribune.posts.models import Post, Reaction
from tribune.posts.reactions import reaction_add

# A post's title and who upvotes it (the private subwiki's post: its members only).
UPVOTES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Global heat records: what the new dataset shows",
        ("priya", "theo", "lea", "sofia", "noah", "mireille"),
    ),
    ("Heat pumps outsold gas boilers in several countries last year", ("camille", "priya")),
    ("Solar output across a summer day", ("camille", "theo", "amara")),
    ("A preprint claims a room-temperature superconductor, again", ("priya", "haruka", "jonas")),
    ("The town council voted on the new bike lanes", ("jonas", "sofia")),
    ("Vérifier une photo en trois étapes", ("camille", "lea", "noah", "admin")),
    ("Self-hosting your social network: what it takes", ("jonas", "amara", "liam", "admin")),
    ("Hello from Osaka", ("amara", "jonas")),
    ("Draft: fact-check schedule for next week", ("camille", "lea")),
)


def _upvote(title: str, voters: tuple[str, ...]) -> bool:
    post = Post.objects.filter(title=title).order_by("pk").first()
    if post is None:
        return False
    created = False
    for member in Member.objects.filter(username__in=voters):
        if Reaction.objects.filter(post=post, member=member).exists():
            continue
        try:
            created = reaction_add(actor=member, post_id=post.pk).changed or created
        except ServiceError:
            continue  # someone else took this demo username and may not upvote it
    return created


def steps() -> list[DemoStep]:
    """One step per upvoted post."""
    return [
        DemoStep(f"upvotes on {title[:40]}", partial(_upvote, title, voters))
        for title, voters in UPVOTES
    ]
