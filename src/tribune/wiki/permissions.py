"""Who may do what with one revision: what its page's owner allows the viewer
(wiki.owners: a post's or a description's own rules), and what the revision's state
allows. Anything not listed is denied; the services check again.
"""

from __future__ import annotations

from tribune.wiki.models import Revision, RevisionStatus
from tribune.wiki.owners import RevisionOwner


def can_restore_revision(owner: RevisionOwner, revision: Revision) -> bool:
    # Whoever may restore the owner's revisions: a live revision, not the current one
    # (a pending or rejected one was never read as it stands).
    return (
        owner.rights.restore
        and revision.status == RevisionStatus.LIVE
        and revision.pk != owner.current_revision_id
    )


def can_review_revision(owner: RevisionOwner, revision: Revision) -> bool:
    # Whoever may review the owner's pending revisions: a pending one (the services
    # refuse one's own).
    return owner.rights.review and revision.status == RevisionStatus.PENDING


def can_roll_back_to_before(owner: RevisionOwner, revision: Revision) -> bool:
    # Whoever may roll back the owner's edits: from the current revision, made from an
    # earlier one by someone else (rolling back one's own edit is a revert).
    return (
        owner.rights.rollback
        and revision.pk == owner.current_revision_id
        and revision.parent_id is not None
        and revision.author_id is not None
        and revision.author_id != owner.viewer.pk
    )
