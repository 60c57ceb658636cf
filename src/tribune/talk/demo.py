"""Demo talk: threads with replies and mentions on the demo posts, an edited comment and
a deleted one, and a thread in the private editors' room."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from tribune.accounts.models import Member
from tribune.core.demo import DemoStep
from tribune.posts.models import Post
from tribune.talk.models import Comment
from tribune.talk.services import comment_create, comment_delete, comment_edit


@dataclass(frozen=True)
class DemoComment:
    author: str
    body: str
    replies: tuple[DemoComment, ...] = ()
    # A later version of the text, saved as an edit (the first text stays in its history).
    edited: str = ""
    # Withdrawn by its author once its replies are in: "[deleted]" keeps the thread's shape.
    deleted: bool = False


@dataclass(frozen=True)
class DemoTalk:
    post_title: str
    threads: tuple[DemoComment, ...]


TALKS: tuple[DemoTalk, ...] = (
    DemoTalk(
        "Global heat records: what the new dataset shows",
        (
            DemoComment(
                "jonas",
                "Does the dataset say how it treats the stations that moved? That changed "
                "the numbers a lot in the older versions.",
                replies=(
                    DemoComment(
                        "camille",
                        "Section 3 of the methods paper: moved stations are homogenised "
                        "against their neighbours. @priya read it more closely than I did.",
                        replies=(
                            DemoComment(
                                "priya",
                                "Yes, and the effect on the global mean is small: under "
                                "0.02 °C since 1950, per their **table 4**.",
                                edited="Yes, and the effect on the global mean is small: "
                                "under 0.02 °C since 1950, per their **table 4** (page 31).",
                            ),
                        ),
                    ),
                ),
            ),
            DemoComment(
                "theo",
                "Worth adding a chart of the 30-year average to the post? Happy to make one.",
                replies=(DemoComment("camille", "Please do, @theo! I'll link it in the text."),),
            ),
        ),
    ),
    DemoTalk(
        "Heat pumps outsold gas boilers in several countries last year",
        (
            DemoComment(
                "liam",
                "In Ireland the grant covers most of the cost now, which explains a lot.",
                replies=(
                    DemoComment(
                        "theo",
                        "Same in France. The annex splits sales by country, if you want to check.",
                    ),
                ),
            ),
            DemoComment(
                "noah",
                "Do they work when it's -20 °C outside, though?",
                deleted=True,
                replies=(
                    DemoComment(
                        "jonas",
                        "The newer ones do, down to about -25 °C; below that they need help "
                        "from a heater. The report has a section on cold climates.",
                    ),
                ),
            ),
        ),
    ),
    DemoTalk(
        "A preprint claims a room-temperature superconductor, again",
        (
            DemoComment(
                "haruka",
                "Three labs say they are trying to reproduce it. I'll post here when one reports.",
                replies=(
                    DemoComment(
                        "amara",
                        "Thanks @haruka. Until then I'll keep the post's title as it is.",
                    ),
                ),
            ),
        ),
    ),
    DemoTalk(
        "Vérifier une photo en trois étapes",
        (
            DemoComment(
                "camille",
                "J'ajouterais : regarder les métadonnées quand elles existent encore.",
                replies=(
                    DemoComment(
                        "lea",
                        "Bonne idée, mais la plupart des réseaux les effacent. "
                        "@mireille, on en fait une quatrième étape ?",
                    ),
                ),
            ),
        ),
    ),
    DemoTalk(
        "Draft: fact-check schedule for next week",
        (
            DemoComment(
                "camille",
                "The energy claims are ready for Tuesday. @lea, do you need help with the photo?",
                replies=(DemoComment("lea", "All good, thanks: done by Wednesday."),),
            ),
        ),
    ),
)


def _post(comment: DemoComment, post: Post, parent: Comment | None) -> list[Comment]:
    """Post a comment and its replies, depth first; returns those to delete afterwards."""
    created = comment_create(
        author=Member.objects.get(username=comment.author),
        post_id=post.pk,
        body=comment.body,
        parent_id=parent.pk if parent is not None else None,
    )
    if comment.edited:
        comment_edit(actor=created.author, comment_id=created.pk, body=comment.edited)
    to_delete = [created] if comment.deleted else []
    for reply in comment.replies:
        to_delete += _post(reply, post, created)
    return to_delete


def _create(talk: DemoTalk) -> bool:
    post = Post.objects.filter(title=talk.post_title).order_by("created_at", "id").first()
    if post is None:
        return False
    first = talk.threads[0]
    if Comment.objects.filter(
        post=post, author__username=first.author, parent=None, depth=0
    ).exists():
        return False
    to_delete: list[Comment] = []
    for thread in talk.threads:
        to_delete += _post(thread, post, None)
    for comment in to_delete:
        comment_delete(actor=comment.author, comment_id=comment.pk)
    return True


def steps() -> list[DemoStep]:
    """One step per demo post with talk."""
    return [DemoStep(f"talk on {talk.post_title[:40]}", partial(_create, talk)) for talk in TALKS]
