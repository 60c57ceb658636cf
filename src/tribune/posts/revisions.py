"""A post as the owner of its page of revisions (wiki.owners), and its revision pages."""

from __future__ import annotations

from typing import ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tribune.accounts.permissions import Viewer
from tribune.posts.models import EDITABLE_FIELDS, MULTILINE_FIELDS, Post
from tribune.posts.permissions import can_revert, can_review_revisions, can_rollback
from tribune.posts.selectors import post_get
from tribune.posts.services import post_revert
from tribune.wiki.models import Page, PageKind, Revision
from tribune.wiki.owners import RevisionOwner
from tribune.wiki.services import SaveResult
from tribune.wiki.views import revision_views


class PostRevisions(RevisionOwner):
    """A post's revisions: restored by whoever may edit it live, reviewed by trusted
    editors, rolled back by its moderators (posts.permissions)."""

    kind = PageKind.POST
    fields = EDITABLE_FIELDS
    multiline = frozenset(MULTILINE_FIELDS)
    markdown_field = "body"
    content_template = "posts/_revision_content.html"
    url_names: ClassVar[dict[str, str]] = {
        "history": "posts:history",
        "diff": "posts:diff",
        "revision": "posts:revision",
        "revert": "posts:revert",
        "approve": "moderation:post_approve",
        "reject": "moderation:post_reject",
        "rollback": "moderation:post_rollback",
    }
    history_heading = gettext_lazy("History of the post")
    diff_heading = gettext_lazy("Changes to the post")
    old_version_notice = gettext_lazy("This is an old version: the post reads differently now.")

    obj: Post

    @classmethod
    def of_page(cls, viewer: Viewer, page: Page) -> PostRevisions:
        return cls(viewer, page.post)

    @classmethod
    def find(cls, viewer: Viewer, *, post_id: int) -> PostRevisions:
        """The post's revisions, if the viewer may read it (NotFound otherwise)."""
        return cls(viewer, post_get(viewer=viewer, post_id=post_id))

    @property
    def page(self) -> Page:
        return self.obj.page

    @property
    def title(self) -> str:
        return self.obj.title

    def url_args(self) -> list[object]:
        return [self.obj.pk]

    def history_title(self) -> str:
        return _("History of %(title)s") % {"title": self.obj.title}

    def diff_title(self) -> str:
        return _("Changes to %(title)s") % {"title": self.obj.title}

    def revision_title(self, revision: Revision) -> str:
        return _("%(title)s (revision %(id)s)") % {
            "title": revision.field("title"),
            "id": revision.pk,
        }

    def can_restore(self) -> bool:
        return can_revert(self.viewer, self.obj)

    def can_review(self) -> bool:
        return can_review_revisions(self.viewer, self.obj)

    def can_rollback(self) -> bool:
        return can_rollback(self.viewer, self.obj)

    def revert(self, *, revision_id: int, summary: str, address: str | None) -> SaveResult:
        _post, result = post_revert(
            actor=self.viewer,  # type: ignore[arg-type]  # revert_page runs behind login
            post_id=self.obj.pk,
            revision_id=revision_id,
            summary=summary,
            address=address,
        )
        return result

    def restored_message(self, revision_id: int) -> str:
        return _("Revision %(id)s is restored, as a new revision.") % {"id": revision_id}


views = revision_views(PostRevisions.find)
