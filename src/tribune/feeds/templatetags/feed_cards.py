"""The post card of a list, from the cache when the page prepared it (feeds.cards)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from tribune.core.fragments import fill_stand_ins
from tribune.feeds.cards import CARD_TEMPLATE

register = template.Library()


@register.simple_tag(takes_context=True)
def post_card(context: template.Context, post: object) -> SafeString:
    """The post's card: the one feeds.cards prepared, with this request's CSRF token and
    address put in; or, where the page prepared none, the card rendered now."""
    html = getattr(post, "card_html", None)
    if html is None:
        card = context.template.engine.get_template(CARD_TEMPLATE)  # type: ignore[union-attr]
        with context.push(post=post):
            return SafeString(card.render(context))
    request = context.get("request")
    return fill_stand_ins(
        html,
        csrf_token=str(context.get("csrf_token") or ""),
        path=request.get_full_path() if request is not None else "",
    )
