"""`tribune demo` leaves a moderation history with appeals and open reports, and runs again
harmlessly."""

from __future__ import annotations

import pytest

from tribune.core.demo import demo_run, demo_steps
from tribune.moderation.models import Appeal, ModerationAction, Report, ReportState
from tribune.posts.models import Post

pytestmark = pytest.mark.django_db

MODULES = (
    "tribune.accounts.demo",
    "tribune.communities.demo",
    "tribune.posts.demo",
    "tribune.talk.demo",
    "tribune.moderation.demo",
)


def test_the_demo_has_a_moderation_history_and_open_reports(client):
    list(demo_run(demo_steps(MODULES)))
    actions = list(
        ModerationAction.objects.order_by("created_at", "id").values_list("action", flat=True)
    )
    assert actions == [
        "remove",
        "appeal_decided",
        "ban",
        "lock",
        "appeal_decided",
        "rollback",
    ]
    assert sorted(Appeal.objects.values_list("state", flat=True)) == ["denied", "granted"]
    assert Report.objects.filter(state=ReportState.OPEN).count() == 2
    assert Report.objects.filter(state=ReportState.UPHELD).count() == 3
    assert Post.objects.get(title__startswith="Luxury watches").is_removed
    assert not Post.objects.filter(title__contains="scam").exists()  # rolled back
    log = client.get("/moderation/log/").content.decode()
    assert "Advertising is not local news." in log and "Appeal denied" in log

    counts = (ModerationAction.objects.count(), Report.objects.count(), Appeal.objects.count())
    created = [step.label for step, made in demo_run(demo_steps(MODULES)) if made]
    assert [label for label in created if label.startswith("moderation")] == []
    assert (
        ModerationAction.objects.count(),
        Report.objects.count(),
        Appeal.objects.count(),
    ) == counts
