"""Every write to posts: create, edit (wiki-style, merged), revert, rollback, review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tribune.accounts.models import Member
from tribune.accounts.selectors import members_named
from tribune.communities.models import EditPolicy, Subwiki, policy_at_least
from tribune.communities.permissions import EditDecision, is_banned
from tribune.core.exceptions import Conflict, Forbidden, ServiceError
from tribune.core.markdown import plain_text
from tribune.core.ratelimit import rate_limit
from tribune.posts.models import (
    EDITABLE_FIELDS,
    MULTILINE_FIELDS,
    Post,
    PostKind,
    PreviewStatus,
)
from tribune.posts.permissions import (
    can_change_edit_policy,
    can_create_post,
    can_moderate_post,
    can_revert,
    can_review_revisions,
    can_rollback,
)
from tribune.posts.sandbox import check_links
from tribune.posts.selectors import post_get, post_get_for_edit
from tribune.wiki.models import PageKind, Revision
from tribune.wiki.services import (
    SaveResult,
    page_create,
    page_lock,
    page_revert,
    page_rollback,
    page_save,
    pending_approve,
    pending_reject,
    revision_for_page,
)

MAX_TITLE = 300
MAX_BODY = {PostKind.TEXT: 5_000, PostKind.LINK: 20_000, PostKind.IMAGE: 20_000}
MAX_ARTICLE_BODY = 100_000
MAX_SUMMARY = 300
MAX_ALT = 1_000


def _max_body(kind: str) -> int:
    return MAX_BODY.get(PostKind(kind), MAX_ARTICLE_BODY)


def clean_url(url: str) -> str:
    """An http(s) URL, or a ServiceError naming the field."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or len(url) > 2000:
        raise ServiceError(
            _("Enter a web address starting with http:// or https://."),
            errors={"url": [_("Enter a web address starting with http:// or https://.")]},
        )
    return url


def _clean_title(kind: str, title: str) -> tuple[str, list[str]]:
    title = title.strip()
    if len(title) > MAX_TITLE:
        return title, [_("Use at most %(n)d characters.") % {"n": MAX_TITLE}]
    if not title and kind != PostKind.TEXT:
        return title, [_("Please give the post a title.")]
    return title, []


def _clean_body(kind: str, body: str) -> tuple[str, list[str]]:
    limit = _max_body(kind)
    if len(body) > limit:
        return body, [
            _("This is too long: %(n)d characters at most (you wrote %(m)d).")
            % {"n": limit, "m": len(body)}
        ]
    if kind in {PostKind.ARTICLE, PostKind.TEXT} and not body.strip():
        return body, [_("Please write something.")]
    return body, []


def _clean_link(kind: str, url: str) -> tuple[str, list[str]]:
    if kind != PostKind.LINK:
        return url, [_("Only link posts have a link.")] if url.strip() else []
    try:
        return clean_url(url), []
    except ServiceError as e:
        return url, (e.errors or {}).get("url", [])


def _clean_image_alt(kind: str, alt: str) -> tuple[str, list[str]]:
    alt = alt.strip()
    if kind == PostKind.IMAGE and not alt:
        return alt, [_("Describe the image for people who cannot see it (alt text).")]
    if len(alt) > MAX_ALT:
        return alt, [_("Use at most %(n)d characters.") % {"n": MAX_ALT}]
    return alt, []


# Each editable field's check: (kind, value) -> (the value cleaned, what is wrong with it).
_FIELD_CLEANERS: dict[str, Callable[[str, str], tuple[str, list[str]]]] = {
    "title": _clean_title,
    "body": _clean_body,
    "url": _clean_link,
    "image_alt": _clean_image_alt,
}


def _validate_fields(kind: str, fields: Mapping[str, str]) -> dict[str, str]:
    """Check and normalise the editable fields of a post of `kind`."""
    errors: dict[str, list[str]] = {}
    cleaned = {name: str(value) for name, value in fields.items()}
    for name, clean in _FIELD_CLEANERS.items():
        if name in cleaned:
            cleaned[name], problems = clean(kind, cleaned[name])
            if problems:
                errors[name] = problems
    if errors:
        raise ServiceError(_("Some fields need your attention."), errors=errors)
    if kind == PostKind.TEXT and "title" in cleaned and not cleaned["title"]:
        cleaned["title"] = plain_text(cleaned.get("body", ""), limit=80)
    return cleaned


def _check_policy(policy: str, subwiki: Subwiki | None) -> None:
    if policy not in EditPolicy.values:
        raise ServiceError(
            _("Choose an edit policy."), errors={"edit_policy": [_("Unknown edit policy.")]}
        )
    if subwiki is not None and not policy_at_least(policy, subwiki.min_post_edit_policy):
        floor = EditPolicy(subwiki.min_post_edit_policy).label
        raise ServiceError(
            _("This subwiki asks for a stricter edit policy."),
            errors={"edit_policy": [_("Choose at least: %(p)s.") % {"p": floor}]},
        )


def post_create(
    *,
    author: Member,
    subwiki: Subwiki | None,
    kind: str,
    title: str = "",
    body: str = "",
    url: str = "",
    edit_policy: str = EditPolicy.OPEN,
    image: UploadedFile | None = None,
    image_alt: str = "",
    address: str | None = None,
) -> Post:
    """Publish a post in a subwiki (or on the author's profile) with its first revision."""
    if kind not in PostKind.values:
        raise ServiceError(
            _("Choose the kind of post."), errors={"kind": [_("Unknown kind of post.")]}
        )
    if not can_create_post(author, subwiki):
        if subwiki is not None and is_banned(author, subwiki):
            raise Forbidden(_("You are banned from this subwiki: you cannot post here."))
        raise Forbidden(_("You may not post here."))
    _check_policy(edit_policy, subwiki)
    fields = _validate_fields(
        kind, {"title": title, "body": body, "url": url, "image_alt": image_alt}
    )
    check_links(author, fields)
    rate_limit("post", member=author, address=address)
    processed = None
    if kind == PostKind.IMAGE:
        from tribune.posts.images import process_upload

        if image is None:
            raise ServiceError(
                _("Choose an image to upload."), errors={"image": [_("Choose an image.")]}
            )
        processed = process_upload(image)
    elif image is not None:
        raise ServiceError(
            _("Only image posts carry an image."), errors={"image": [_("Not an image post.")]}
        )
    with transaction.atomic():
        page = page_create(
            kind=PageKind.POST,
            subwiki_id=subwiki.pk if subwiki else None,
            author=author,
            content=fields,
            summary=_("Posted"),
        )
        post = Post(
            page=page,
            subwiki=subwiki,
            author=author,
            kind=kind,
            edit_policy=edit_policy,
            preview_status=PreviewStatus.PENDING if kind == PostKind.LINK else PreviewStatus.NONE,
            **fields,
        )
        if processed is not None:
            processed.attach_to(post)
        post.save()
        if subwiki is not None:
            Subwiki.objects.filter(pk=subwiki.pk).update(post_count=F("post_count") + 1)
        if kind == PostKind.LINK:
            transaction.on_commit(lambda: _schedule_preview(post.pk))
    return post


def _schedule_preview(post_id: int) -> None:
    from tribune.posts.tasks import fetch_link_preview

    fetch_link_preview(post_id)


def post_edit(
    *,
    actor: Member,
    post_id: int | str,
    changes: Mapping[str, Any],
    base_revision: int | str | None,
    summary: str = "",
    edit_policy: str | None = None,
    address: str | None = None,
) -> tuple[Post, SaveResult]:
    """Save an edit made from `base_revision`, merged with edits that landed meanwhile.

    Edits of a `reviewed` post by members below the trusted level are saved as
    pending revisions. Overlapping edits raise EditConflict and save nothing.
    """
    post, decision = post_get_for_edit(viewer=actor, post_id=post_id)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ServiceError(
            _("These fields cannot be edited: %(f)s.") % {"f": ", ".join(sorted(unknown))}
        )
    if len(summary) > MAX_SUMMARY:
        raise ServiceError(
            _("The edit summary is too long."),
            errors={"summary": [_("Use at most %(n)d characters.") % {"n": MAX_SUMMARY}]},
        )
    fields = _validate_fields(post.kind, {k: str(v) for k, v in changes.items()})
    before = {name: getattr(post, name) for name in EDITABLE_FIELDS}
    check_links(actor, {**before, **fields}, before)
    if edit_policy is not None and edit_policy != post.edit_policy:
        if not can_change_edit_policy(actor, post):
            raise Forbidden(_("Only the author and moderators may change who can edit."))
        _check_policy(edit_policy, post.subwiki)
    rate_limit("edit", member=actor, address=address)
    with transaction.atomic():
        page = page_lock(post.page_id)
        result = page_save(
            page=page,
            author=actor,
            base_revision_id=base_revision,
            changes=fields,
            summary=summary.strip(),
            pending=decision is EditDecision.PENDING,
            multiline=MULTILINE_FIELDS,
        )
        if result.changed and not result.pending:
            _sync_post(post, result.revision)
        if edit_policy is not None and edit_policy != post.edit_policy:
            # A policy chosen by hand replaces a moderator's protection and its end.
            post.edit_policy = edit_policy
            post.protected_until = None
            post.policy_before_protection = ""
            post.save(update_fields=["edit_policy", "protected_until", "policy_before_protection"])
    post.page = page
    return post, result


def _sync_post(post: Post, revision: Revision) -> None:
    """Copy a live revision's snapshot onto the post (call with the page locked)."""
    old_url = post.url
    for name in EDITABLE_FIELDS:
        setattr(post, name, revision.content.get(name, ""))
    post.edited_at = revision.created_at
    update = [*EDITABLE_FIELDS, "edited_at"]
    if post.kind == PostKind.LINK and post.url != old_url:
        post.preview_status = PreviewStatus.PENDING
        update.append("preview_status")
        post_id = post.pk
        transaction.on_commit(lambda: _schedule_preview(post_id))
    post.save(update_fields=update)


def post_revert(
    *,
    actor: Member,
    post_id: int | str,
    revision_id: int | str,
    summary: str = "",
    address: str | None = None,
) -> tuple[Post, SaveResult]:
    """Restore a post to an earlier revision, as a new revision."""
    post = post_get(viewer=actor, post_id=post_id)
    if not can_revert(actor, post):
        raise Forbidden(_("You may not revert this post."))
    rate_limit("edit", member=actor, address=address)
    with transaction.atomic():
        page = page_lock(post.page_id)
        target = revision_for_page(page, revision_id, field="revision")
        result = page_revert(page=page, actor=actor, target=target, summary=summary.strip())
        if result.changed:
            _sync_post(post, result.revision)
    post.page = page
    return post, result


def post_rollback(
    *, actor: Member, post_id: int | str, username: str, summary: str = ""
) -> tuple[Post, SaveResult]:
    """Undo one member's consecutive latest edits of a post (moderators)."""
    post = post_get(viewer=actor, post_id=post_id)
    if not can_rollback(actor, post):
        raise Forbidden(_("Only moderators can roll back edits."))
    target_author = members_named(username).first()
    if target_author is None:
        raise ServiceError(
            _("There is no member with that username."),
            errors={"username": [_("Unknown member.")]},
        )
    with transaction.atomic():
        page = page_lock(post.page_id)
        result = page_rollback(page=page, actor=actor, target_author=target_author, summary=summary)
        if result.changed:
            _sync_post(post, result.revision)
    post.page = page
    return post, result


def revision_approve(*, actor: Member, post_id: int | str, revision_id: int | str) -> Revision:
    """Approve a pending revision: it goes live, merged onto edits made since."""
    post = post_get(viewer=actor, post_id=post_id)
    if not can_review_revisions(actor, post):
        raise Forbidden(_("Only trusted members can approve edits."))
    with transaction.atomic():
        page = page_lock(post.page_id)
        revision = revision_for_page(page, revision_id)
        if revision.author_id == actor.pk and post.author_id != actor.pk:
            raise Forbidden(_("You cannot approve your own edit."))
        revision = pending_approve(
            page=page, revision=revision, actor=actor, multiline=MULTILINE_FIELDS
        )
        _sync_post(post, revision)
    return revision


def revision_reject(*, actor: Member, post_id: int | str, revision_id: int | str) -> Revision:
    """Reject a pending revision; it stays in the history, marked rejected."""
    post = post_get(viewer=actor, post_id=post_id)
    if not can_review_revisions(actor, post):
        raise Forbidden(_("Only trusted members can reject edits."))
    with transaction.atomic():
        page = page_lock(post.page_id)
        revision = revision_for_page(page, revision_id)
        return pending_reject(page=page, revision=revision, actor=actor)


# --- Moderation (moderation.services logs each of these) ------------------------------


def _moderated_post(actor: Member, post_id: int | str) -> Post:
    post = post_get(viewer=actor, post_id=post_id)
    if not can_moderate_post(actor, post):
        raise Forbidden(_("Only moderators may do this."))
    return post


def post_set_removed(*, actor: Member, post_id: int | str, removed: bool) -> Post:
    """Moderators: take a post off every page and list (404 to all but them), or put it back."""
    post = _moderated_post(actor, post_id)
    changed = Post.objects.filter(pk=post.pk, is_removed=not removed).update(is_removed=removed)
    if not changed:
        raise Conflict(
            _("This post is removed already.") if removed else _("This post is not removed."),
            code="no_change",
        )
    post.is_removed = removed
    return post


def post_set_locked(*, actor: Member, post_id: int | str, locked: bool) -> Post:
    """Moderators: lock a post (nobody edits or comments) or unlock it."""
    post = _moderated_post(actor, post_id)
    if (post.locked_at is not None) == locked:
        raise Conflict(
            _("This post is locked already.") if locked else _("This post is not locked."),
            code="no_change",
        )
    post.locked_at = timezone.now() if locked else None
    post.save(update_fields=["locked_at"])
    return post


def post_protect(*, actor: Member, post_id: int | str, until: dt.datetime | None) -> Post:
    """Moderators: only moderators may edit the post, until `until` (None: until lifted).

    The policy it replaces is kept, and is in force again when the protection ends.
    """
    post = _moderated_post(actor, post_id)
    with transaction.atomic():
        post = (
            Post.objects.select_for_update(of=("self",))
            .select_related("subwiki", "author")
            .get(pk=post.pk)
        )
        if post.effective_edit_policy != EditPolicy.PROTECTED:
            post.policy_before_protection = post.effective_edit_policy
        post.edit_policy = EditPolicy.PROTECTED
        post.protected_until = until
        post.save(update_fields=["edit_policy", "protected_until", "policy_before_protection"])
    return post


def post_unprotect(*, actor: Member, post_id: int | str) -> Post:
    """Moderators: end a moderator's protection; the policy it replaced is in force again."""
    post = _moderated_post(actor, post_id)
    with transaction.atomic():
        post = (
            Post.objects.select_for_update(of=("self",))
            .select_related("subwiki", "author")
            .get(pk=post.pk)
        )
        if post.edit_policy != EditPolicy.PROTECTED or not post.policy_before_protection:
            raise Conflict(_("Moderators have not protected this post."), code="no_change")
        _end_protection(post)
    return post


def _end_protection(post: Post) -> None:
    post.edit_policy = post.policy_before_protection
    post.protected_until = None
    post.policy_before_protection = ""
    post.save(update_fields=["edit_policy", "protected_until", "policy_before_protection"])


def posts_end_expired_protections() -> int:
    """Write back the policy of every post whose protection has ended (the periodic task).

    Until it runs, the permission checks already read the policy in force
    (Post.effective_edit_policy): this only makes the stored one say so too.
    """
    ended = 0
    expired = Post.objects.filter(protected_until__lte=timezone.now()).values_list("pk", flat=True)
    for pk in list(expired[:1000]):
        with transaction.atomic():
            post = Post.objects.select_for_update().filter(pk=pk).first()
            if post is not None and post.protected_until and post.protected_until <= timezone.now():
                _end_protection(post)
                ended += 1
    return ended


def post_mark_preview(
    *,
    post_id: int,
    status: str,
    url: str | None = None,
    title: str = "",
    description: str = "",
    site_name: str = "",
    image: File[bytes] | None = None,
) -> bool:
    """Store a fetched link preview (called by the preview task, not by members).

    The preview replaces the previous one whole, picture included. With `url` it
    is stored only while the post still links there: an edit of the link
    meanwhile has scheduled a fetch of its own. Returns whether it was stored.
    """
    holder = Post()
    if image is not None:
        # Saved before the transaction so that no file I/O happens with the row locked.
        holder.preview_image.save(image.name or "preview", image, save=False)
    new_name = holder.preview_image.name or ""
    with transaction.atomic():
        posts = Post.objects.select_for_update().filter(pk=post_id)
        if url is not None:
            posts = posts.filter(url=url)
        old_name = posts.values_list("preview_image", flat=True).first()
        if old_name is not None:
            posts.update(
                preview_status=status,
                preview_title=title[:300],
                preview_description=description[:1000],
                preview_site_name=site_name[:200],
                preview_image=new_name,
            )
    storage = holder.preview_image.storage
    if old_name is None:
        if new_name:
            storage.delete(new_name)
        return False
    if old_name and old_name != new_name:
        storage.delete(old_name)
    return True
