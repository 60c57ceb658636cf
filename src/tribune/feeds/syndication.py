"""RSS 2.0 and Atom 1.0 feeds of a subwiki, a member and the whole site.

Feed readers fetch without a session and feed addresses get shared, so every feed is
read as a visitor (feeds.selectors.public_viewer): only public posts appear, and a
private subwiki has no feed at all (404, as its page answers to outsiders).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.selectors import member_get_profile
from tribune.communities.models import Subwiki
from tribune.communities.selectors import subwiki_get
from tribune.core.markdown import plain_text, render_markdown
from tribune.feeds.selectors import public_viewer, syndication_items
from tribune.posts.models import Post, PostKind, PreviewStatus

DESCRIPTION_CHARS = 300


class PostFeed(Feed):  # type: ignore[type-arg]  # django-stubs: Feed[item, object]
    """What every feed of posts says about each post."""

    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> SafeString:
        """The post as HTML: the link and its preview for link posts, then the body."""
        parts: list[SafeString] = []
        if item.kind == PostKind.LINK and item.url:
            label = item.url
            if item.preview_status == PreviewStatus.READY and item.preview_title:
                label = item.preview_title
            parts.append(format_html('<p><a href="{}">{}</a></p>', item.url, label))
            if item.preview_status == PreviewStatus.READY and item.preview_description:
                parts.append(format_html("<blockquote>{}</blockquote>", item.preview_description))
        if item.kind == PostKind.IMAGE and item.image:
            # A feed reader shows the item away from this site: the address must be whole.
            src = urljoin(settings.SITE_URL + "/", item.image.url)
            parts.append(format_html('<p><img src="{}" alt="{}"></p>', src, item.image_alt))
        if item.body:
            parts.append(render_markdown(item.body))
        return SafeString("".join(parts))

    def item_link(self, item: Post) -> str:
        return item.get_absolute_url()

    def item_author_name(self, item: Post) -> str:
        return item.author.name

    def item_author_link(self, item: Post) -> str:
        return item.author.get_absolute_url()

    def item_pubdate(self, item: Post) -> dt.datetime:
        return item.created_at

    def item_updateddate(self, item: Post) -> dt.datetime:
        return item.edited_at or item.created_at

    def item_categories(self, item: Post) -> list[str]:
        return [item.subwiki.name] if item.subwiki is not None else []

    def item_comments(self, item: Post) -> str:
        return item.get_absolute_url() + "#talk"


class SiteFeed(PostFeed):
    """Every public post of the instance, newest first."""

    def get_object(self, request: HttpRequest) -> None:
        if not settings.TRIBUNE_PUBLIC_READ:
            # The instance reads nothing to visitors: there is no public stream to follow.
            raise Http404
        return None

    def title(self) -> str:
        return _("%(site)s: every post") % {"site": settings.SITE_NAME}

    def description(self) -> str:
        return _("The newest public posts on %(site)s.") % {"site": settings.SITE_NAME}

    def link(self) -> str:
        return reverse("feeds:all")

    def items(self) -> list[Post]:
        return syndication_items()


class SubwikiFeed(PostFeed):
    """A public subwiki's posts, newest first; a private subwiki has none."""

    def get_object(self, request: HttpRequest, slug: str) -> Subwiki:
        return subwiki_get(viewer=public_viewer(), slug=slug)

    def title(self, obj: Subwiki) -> str:
        return _("%(name)s on %(site)s") % {"name": obj.name, "site": settings.SITE_NAME}

    def description(self, obj: Subwiki) -> str:
        return plain_text(obj.description, limit=DESCRIPTION_CHARS) or _(
            "The newest posts in %(name)s."
        ) % {"name": obj.name}

    def link(self, obj: Subwiki) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Subwiki) -> list[Post]:
        return syndication_items(subwiki=obj)


class MemberFeed(PostFeed):
    """A member's public posts, newest first."""

    def get_object(self, request: HttpRequest, username: str) -> Member:
        return member_get_profile(viewer=public_viewer(), username=username)

    def title(self, obj: Member) -> str:
        return _("%(name)s on %(site)s") % {"name": obj.name, "site": settings.SITE_NAME}

    def description(self, obj: Member) -> str:
        return _("The newest public posts of %(name)s.") % {"name": obj.name}

    def link(self, obj: Member) -> str:
        return obj.get_absolute_url()

    def items(self, obj: Member) -> list[Post]:
        return syndication_items(author=obj)


class SiteAtomFeed(SiteFeed):
    feed_type = Atom1Feed

    def subtitle(self) -> str:
        return self.description()


class SubwikiAtomFeed(SubwikiFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: Subwiki) -> str:
        return self.description(obj)


class MemberAtomFeed(MemberFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj: Member) -> str:
        return self.description(obj)
