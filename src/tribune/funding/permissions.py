"""Who may give and who may see and confirm donations; anything not listed is denied.

Nothing in the product is paywalled: these rules are about the donations themselves
(tests/funding/test_permissions.py walks them for every role).
"""

from __future__ import annotations

from tribune.accounts.permissions import Viewer, is_admitted, is_staff, is_waitlisted
from tribune.funding.models import Donation


def can_donate(viewer: Viewer) -> bool:
    # Admitted and waitlisted members (supporters skip the line); not suspended ones.
    return is_admitted(viewer) or is_waitlisted(viewer)


def can_view_donation(viewer: Viewer, donation: Donation) -> bool:
    # The member who gave it, and staff; to anyone else it is not found.
    return viewer.is_authenticated and (donation.member_id == viewer.pk or is_staff(viewer))


def can_confirm_donation(viewer: Viewer) -> bool:
    # Say an offline donation's money arrived: staff (and the operator's command).
    return is_staff(viewer)
