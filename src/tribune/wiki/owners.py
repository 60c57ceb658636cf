"""What owns a page of revisions (a post, a subwiki's description), as the revision pages
see it: its addresses, who may restore and review, how it restores, how it reads.

The revision pages (wiki.views) and the lists of changes serve every owner alike, so
a fix lands in all of them. wiki sits below the apps that own pages, so it cannot
import them: each registers its owner class here when Django starts (posts and
communities in their AppConfig.ready).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

from django.urls import reverse
from django.utils.functional import Promise

from tribune.accounts.permissions import Viewer
from tribune.wiki.models import Page, PageKind, Revision
from tribune.wiki.services import SaveResult


@dataclass(frozen=True)
class OwnerRights:
    """What the viewer may do with an owner's revisions (wiki.permissions adds the
    revision's own state)."""

    restore: bool
    review: bool
    rollback: bool


class RevisionOwner(ABC):
    """One owner of a page of revisions, for one viewer."""

    kind: ClassVar[PageKind]
    # The fields of a revision's content, in the order diffs show them.
    fields: ClassVar[tuple[str, ...]]
    # Fields edited in a text area: a conflict shows them line by line.
    multiline: ClassVar[frozenset[str]]
    # The field rendered as Markdown on a revision's page.
    markdown_field: ClassVar[str]
    # How one revision reads on its page (with `content` and `body_html`).
    content_template: ClassVar[str]
    # The owner's revision pages by role: history, diff, revision, revert; approve,
    # reject and rollback where it has them.
    url_names: ClassVar[Mapping[str, str]]
    # Headings of its history and diff pages, and what an old revision's page says.
    history_heading: ClassVar[str | Promise]
    diff_heading: ClassVar[str | Promise]
    old_version_notice: ClassVar[str | Promise]

    def __init__(self, viewer: Viewer, obj: Any) -> None:
        self.viewer = viewer
        self.obj = obj

    @classmethod
    @abstractmethod
    def of_page(cls, viewer: Viewer, page: Page) -> RevisionOwner:
        """The owner of a page read with its owner (see wiki.selectors' select_related)."""

    @property
    @abstractmethod
    def page(self) -> Page: ...

    @property
    @abstractmethod
    def title(self) -> str:
        """The owner as a link to it reads: the post's title, "Description of …"."""

    @abstractmethod
    def url_args(self) -> list[object]:
        """The arguments of its pages' addresses (the post's id, the subwiki's slug)."""

    @abstractmethod
    def history_title(self) -> str: ...

    @abstractmethod
    def diff_title(self) -> str: ...

    @abstractmethod
    def revision_title(self, revision: Revision) -> str: ...

    @abstractmethod
    def can_restore(self) -> bool:
        """Whether the viewer may restore an earlier revision (a live edit of theirs)."""

    @abstractmethod
    def can_review(self) -> bool:
        """Whether the viewer may approve or reject pending revisions."""

    def can_rollback(self) -> bool:
        """Whether the viewer may roll back a member's consecutive edits at once."""
        return False

    @abstractmethod
    def revert(self, *, revision_id: int, summary: str, address: str | None) -> SaveResult:
        """Restore revision `revision_id` as a new revision (the service checks the rights)."""

    @abstractmethod
    def restored_message(self, revision_id: int) -> str: ...

    def page_links(self) -> list[tuple[str, str]]:
        """More links for the top of its history page: (address, label)."""
        return []

    @cached_property
    def rights(self) -> OwnerRights:
        """The owner's rules for the viewer, asked once for a whole page of revisions."""
        return OwnerRights(
            restore=self.can_restore(), review=self.can_review(), rollback=self.can_rollback()
        )

    @property
    def current_revision_id(self) -> int | None:
        return self.page.current_revision_id

    def url(self, name: str, *args: object) -> str | None:
        """The address of one of its revision pages, or None where it has no such page."""
        if name not in self.url_names:
            return None
        return reverse(self.url_names[name], args=[*self.url_args(), *args])

    def urls(self) -> dict[str, str | None]:
        """Every address the revision templates link to, by `<role>_url`."""
        return {f"{name}_url": self.url(name) for name in ("history", "diff", "revert", "rollback")}


_owners: dict[str, type[RevisionOwner]] = {}


def register_owner(owner: type[RevisionOwner]) -> None:
    """Make `owner` the owner of its kind of pages (an AppConfig.ready calls this)."""
    _owners[owner.kind] = owner


def owner_of_page(viewer: Viewer, page: Page) -> RevisionOwner:
    """The owner of a page, for the viewer (the page read with its owner)."""
    return _owners[page.kind].of_page(viewer, page)
