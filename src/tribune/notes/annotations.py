"""What a post card shows of a community note: the post's helpful note, read with the post.

(And whether a post has notes at all, which its page reads with the post.)

Lists of posts (feeds, subwikis, profiles) add these annotations to the one query that
reads their posts (posts.selectors.post_queryset), so a helpful note costs a list no
query of its own. The card's cache key includes them (feeds.cards), so a card never
shows a note that is no longer helpful, or an older text of it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Subquery

from tribune.notes.models import CommunityNote, NoteStatus

# Whether a post has notes at all (post_get reads it with the post): a post's page
# without notes asks for none.
HAS_NOTES = "has_notes"
# The attributes each listed post gets: the id and text of its helpful note, or None.
HELPFUL_NOTE_ID = "helpful_note_id"
HELPFUL_NOTE_BODY = "helpful_note_body"


def helpful_note_annotations(post_ref: str = "pk") -> dict[str, Any]:
    """Annotations naming each post's helpful note (the one with the highest intercept)."""
    # The filter matches the partial index note_helpful_by_post: one index probe a post.
    helpful = CommunityNote.objects.filter(
        post=OuterRef(post_ref), status=NoteStatus.HELPFUL, is_removed=False
    ).order_by("-intercept", "id")
    return {
        HELPFUL_NOTE_ID: Subquery(helpful.values("id")[:1]),
        HELPFUL_NOTE_BODY: Subquery(helpful.values("body")[:1]),
    }


def note_presence_annotation(post_ref: str = "pk") -> dict[str, Any]:
    """An annotation saying whether a post has any note (not removed)."""
    notes = CommunityNote.objects.filter(post=OuterRef(post_ref), is_removed=False)
    return {HAS_NOTES: Exists(notes)}
