"""A suspended member cannot log in, so the e-mail about their suspension carries a signed
link to appeal it without logging in: once, for 30 days, and only by that link's member."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.core import mail, signing
from django.test import Client

from tests.moderation import places
from tests.moderation.places import Place
from tribune.moderation.models import Appeal, AppealState
from tribune.moderation.selectors.appeals import APPEAL_LINK_SALT, appeal_link_token
from tribune.moderation.services.actions import moderation_act

pytestmark = pytest.mark.django_db

place = places.place  # the fixture (pytest finds it by name)


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def suspend_editor(place: Place, capture):
    with capture(execute=True):
        return moderation_act(
            actor=place.staff, action="suspend", target="member:editor", reason="Vandalism."
        )


def link_in(body: str) -> str:
    """The appeal link's path, as the e-mail gives it."""
    urls: list[str] = re.findall(r"https?://\S+/moderation/appeal/\S+/", body)
    (url,) = urls
    assert url.startswith(settings.SITE_URL)
    return url.removeprefix(settings.SITE_URL)


def test_the_suspension_email_links_to_an_appeal_without_logging_in(
    place: Place, django_capture_on_commit_callbacks
):
    line = suspend_editor(place, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == [place.editor.email]
    assert "30 days" in message.body
    path = link_in(str(message.body))

    visitor = Client()  # the suspended member cannot log in
    page = visitor.get(path)
    assert page.status_code == 200
    shown = page.content.decode()
    assert "Suspend" in shown and "Vandalism." in shown
    assert "no need to log in" in shown
    assert "/moderation/actions/" not in shown  # the log-in appeal page is not offered

    assert visitor.post(path, {"text": ""}).status_code == 400
    sent = visitor.post(path, {"text": "I fixed a typo, nothing more."}, follow=True)
    assert sent.redirect_chain == [(path, 302)]
    assert "Your appeal is with staff" in sent.content.decode()
    appeal = Appeal.objects.get()
    assert (appeal.action_id, appeal.appellant, appeal.state) == (
        line.pk,
        place.editor,
        AppealState.PENDING,
    )
    assert "I fixed a typo" in visitor.get(path).content.decode()

    again = visitor.post(path, {"text": "Please."})
    assert again.status_code == 409
    assert "You appealed this action already" in again.content.decode()
    assert Appeal.objects.count() == 1


def test_other_actions_keep_the_appeal_page_behind_the_log_in(
    place: Place, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        line = moderation_act(
            actor=place.submod, action="remove", target=f"post:{place.post.pk}", reason="Spam."
        )
    (message,) = mail.outbox
    assert f"/moderation/actions/{line.pk}/appeal/" in message.body
    assert "/moderation/appeal/" not in message.body


def test_a_link_not_signed_by_the_site_is_not_found(place: Place):
    line = moderation_act(
        actor=place.staff, action="suspend", target="member:editor", reason="Vandalism."
    )
    token = appeal_link_token(line)
    visitor = Client()
    assert visitor.get("/moderation/appeal/nonsense/").status_code == 404
    assert visitor.get(f"/moderation/appeal/{token[:-2]}xx/").status_code == 404
    # Signed, but for someone the action does not concern.
    forged = signing.dumps([line.pk, place.member.pk], salt=APPEAL_LINK_SALT)
    assert visitor.get(f"/moderation/appeal/{forged}/").status_code == 404
    assert visitor.post(f"/moderation/appeal/{forged}/", {"text": "Me too."}).status_code == 404
    # Signed with another salt (another kind of link of the site).
    other = signing.dumps([line.pk, place.editor.pk], salt="tribune.other")
    assert visitor.get(f"/moderation/appeal/{other}/").status_code == 404
    assert not Appeal.objects.exists()


class _MonthOld(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 31 * 24 * 3600)


def test_an_expired_link_says_so(place: Place):
    line = moderation_act(
        actor=place.staff, action="suspend", target="member:editor", reason="Vandalism."
    )
    token = _MonthOld(salt=APPEAL_LINK_SALT).sign_object([line.pk, place.editor.pk])
    for answer in (
        Client().get(f"/moderation/appeal/{token}/"),
        Client().post(f"/moderation/appeal/{token}/", {"text": "Late."}),
    ):
        assert answer.status_code == 400
        assert "This appeal link has expired" in answer.content.decode()
    assert not Appeal.objects.exists()
