"""A subwiki's description as the owner of its page of revisions (wiki.owners)."""

from __future__ import annotations

from typing import ClassVar

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tribune.accounts.permissions import Viewer
from tribune.communities.models import Subwiki
from tribune.communities.permissions import EditDecision, can_review_description
from tribune.communities.selectors import description_edit_decision, subwiki_get
from tribune.communities.services import subwiki_description_revert
from tribune.wiki.models import Page, PageKind, Revision
from tribune.wiki.owners import RevisionOwner
from tribune.wiki.services import SaveResult
from tribune.wiki.views import revision_views

DESCRIPTION_FIELDS = ("description",)


class DescriptionRevisions(RevisionOwner):
    """A subwiki description's revisions: restored by whoever may edit it live, reviewed
    by the subwiki's moderators and trusted members (communities.permissions)."""

    kind = PageKind.SUBWIKI
    fields = DESCRIPTION_FIELDS
    multiline = frozenset(DESCRIPTION_FIELDS)
    markdown_field = "description"
    content_template = "communities/_description_revision.html"
    url_names: ClassVar[dict[str, str]] = {
        "history": "communities:description_history",
        "diff": "communities:description_diff",
        "revision": "communities:description_revision",
        "revert": "communities:description_revert",
        "approve": "moderation:description_approve",
        "reject": "moderation:description_reject",
    }
    history_heading = gettext_lazy("History of the description")
    diff_heading = gettext_lazy("Changes to the description")
    old_version_notice = gettext_lazy(
        "This is an old version: the description reads differently now."
    )

    obj: Subwiki

    @classmethod
    def of_page(cls, viewer: Viewer, page: Page) -> DescriptionRevisions:
        return cls(viewer, page.subwiki_owner)

    @classmethod
    def find(cls, viewer: Viewer, *, slug: str) -> DescriptionRevisions:
        """The description's revisions, if the viewer may read the subwiki."""
        return cls(viewer, subwiki_get(viewer=viewer, slug=slug))

    @property
    def page(self) -> Page:
        return self.obj.page

    @property
    def title(self) -> str:
        return _("Description of %(name)s") % {"name": self.obj.name}

    def url_args(self) -> list[object]:
        return [self.obj.slug]

    def history_title(self) -> str:
        return _("History of the description of %(name)s") % {"name": self.obj.name}

    def diff_title(self) -> str:
        return _("Changes to the description of %(name)s") % {"name": self.obj.name}

    def revision_title(self, revision: Revision) -> str:
        return _("%(title)s (revision %(id)s)") % {"title": self.title, "id": revision.pk}

    def can_restore(self) -> bool:
        return description_edit_decision(self.viewer, self.obj) is EditDecision.LIVE

    def can_review(self) -> bool:
        return can_review_description(self.viewer, self.obj)

    def revert(self, *, revision_id: int, summary: str, address: str | None) -> SaveResult:
        return subwiki_description_revert(
            actor=self.viewer,  # type: ignore[arg-type]  # revert_page runs behind login
            subwiki=self.obj,
            revision_id=revision_id,
            summary=summary,
            address=address,
        )

    def restored_message(self, revision_id: int) -> str:
        return _("The earlier description is restored.")

    def page_links(self) -> list[tuple[str, str]]:
        return [
            (
                reverse("communities:description_edit", args=[self.obj.slug]),
                _("Edit the description"),
            ),
            (
                reverse("posts:subwiki_changes", args=[self.obj.slug]),
                _("Recent changes in this subwiki"),
            ),
        ]


views = revision_views(DescriptionRevisions.find)
