"""A post's community notes on its page: `{% post_notes post %}` (one query)."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from tribune.accounts.permissions import Viewer
from tribune.notes.forms import NoteForm
from tribune.notes.permissions import note_refusal
from tribune.notes.selectors import post_page_notes
from tribune.notes.views import note_rows
from tribune.posts.models import Post

register = template.Library()


@register.inclusion_tag("notes/_post_notes.html", takes_context=True)
def post_notes(context: template.Context, post: Post) -> dict[str, Any]:
    """The post's helpful notes first, with why they are shown, then its other notes,
    the rating buttons and the form to add a note."""
    request = context.get("request")
    viewer: Viewer = getattr(request, "user", None) or context.get("user") or AnonymousUser()
    notes = post_page_notes(viewer=viewer, post=post)
    rows = note_rows(viewer, notes.notes, post=post)
    return {
        "post": post,
        "helpful_rows": [row for row in rows if row.note.status == "helpful"],
        "other_rows": [row for row in rows if row.note.status != "helpful"],
        "more": notes.more,
        "mine": notes.mine(viewer),
        "refusal": note_refusal(viewer, post),
        "form": NoteForm(),
        "user": viewer,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
