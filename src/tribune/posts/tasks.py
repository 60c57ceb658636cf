"""Background tasks of posts: fetching link previews.

With Redis they run in the task workers; embedded, in the worker that `tribune
serve` starts; in tests inline, when the transaction that scheduled them commits.
"""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from tribune.core.exceptions import ServiceError
from tribune.posts.images import process_preview_image
from tribune.posts.models import Post, PostKind, PreviewStatus
from tribune.posts.previews import FetchError, fetch_preview
from tribune.posts.services import post_mark_preview, posts_end_expired_protections

logger = logging.getLogger(__name__)


@db_task()  # type: ignore[untyped-decorator]  # huey is untyped
def fetch_link_preview(post_id: int) -> None:
    """Fetch a link post's page and store its preview; any failure marks it unavailable."""
    try:
        refresh_link_preview(post_id)
    except Exception:
        # Whatever went wrong, the post must not stay "fetching" forever, and
        # nothing may reach the request that scheduled this.
        logger.exception("Link preview of post %s failed", post_id)
        try:
            post_mark_preview(post_id=post_id, status=PreviewStatus.FAILED)
        except Exception:
            logger.exception("Could not mark the preview of post %s as failed", post_id)


def refresh_link_preview(post_id: int) -> None:
    """Fetch and store the preview of the page a link post points to."""
    # The task acts for no member: it only reads the address it was asked to fetch.
    found = (
        Post.objects.filter(pk=post_id, kind=PostKind.LINK)
        .values_list("url", "preview_status")
        .first()
    )
    # Only a preview still waiting is fetched: one stored meanwhile (or by the demo,
    # whose example.org links lead nowhere) is kept.
    if found is None or not found[0] or found[1] != PreviewStatus.PENDING:
        return
    url = found[0]
    if not settings.TRIBUNE_LINK_PREVIEWS:
        post_mark_preview(post_id=post_id, url=url, status=PreviewStatus.NONE)
        return
    try:
        preview, picture = fetch_preview(url)
    except FetchError as e:
        logger.info("No link preview for post %s (%s): %s", post_id, url, e)
        post_mark_preview(post_id=post_id, url=url, status=PreviewStatus.FAILED)
        return
    image = None
    if picture is not None:
        try:
            image = process_preview_image(picture)
        except ServiceError as e:
            logger.info("Dropped the preview picture of post %s: %s", post_id, e)
    post_mark_preview(
        post_id=post_id,
        url=url,
        status=PreviewStatus.READY,
        title=preview.title,
        description=preview.description,
        site_name=preview.site_name,
        image=image,
    )


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]  # huey is untyped
def end_expired_protections() -> None:
    """Every ten minutes: posts whose protection by moderators has ended get their policy back."""
    ended = posts_end_expired_protections()
    if ended:
        logger.info("Protections: %d ended", ended)
