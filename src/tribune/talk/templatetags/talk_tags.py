"""Template tags of the talk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext

if TYPE_CHECKING:
    from tribune.posts.models import Post
    from tribune.talk.selectors import Talk

register = template.Library()


@register.simple_tag
def talk_words() -> dict[str, str]:
    """The words every comment of a thread repeats, translated once for the whole page.

    A talk of hundreds of comments would otherwise look each one up hundreds of times.
    """
    return {
        "reply": gettext("Reply"),
        "your_reply": gettext("Your reply"),
        "post_reply": gettext("Post the reply"),
        "link": gettext("Link"),
        "to_this_comment": gettext("to this comment"),
        "earlier_versions": gettext("Earlier versions"),
        "edited": gettext("edited"),
        "author_of_the_post": gettext("author of the post"),
        "deleted": gettext("[deleted]"),
        "removed": gettext("[removed by a moderator]"),
        "edit": gettext("Edit"),
        "delete": gettext("Delete"),
        "remove": gettext("Remove"),
        "save": gettext("Save"),
        "delete_question": gettext(
            "Delete your comment? Its text goes; “[deleted]” and the replies stay."
        ),
        "delete_button": gettext("Delete the comment"),
        "remove_question": gettext(
            "Remove this comment from the talk? “[removed by a moderator]” and the replies stay."
        ),
        "remove_button": gettext("Remove the comment"),
    }


@register.inclusion_tag("talk/_thread.html", takes_context=True)
def post_talk(context: template.Context, post: Post) -> dict[str, object]:
    """A post's talk at the end of its page, one page of it (`?comments=` turns them)."""
    from tribune.talk.selectors import post_talk as talk_page

    request = context["request"]
    cursor = request.GET.get("comments") or None
    return {
        "talk": talk_page(viewer=request.user, post=post, cursor=cursor),
        "csrf_token": context.get("csrf_token"),
        "request": request,
        "user": request.user,
    }


@register.simple_tag(takes_context=True)
def talk_threads(context: template.Context, talk: Talk) -> SafeString:
    """The threads of a page of talk for its reader, from the cache where they were
    rendered before (talk.threads)."""
    # Imported here: talk.threads reads this module's source for its cache keys.
    from tribune.talk.threads import threads_html

    return threads_html(talk, csrf_token=str(context.get("csrf_token") or ""))
