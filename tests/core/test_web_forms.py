"""core.web's helpers for forms and buttons: a posted form handed to a service, and a
button answered in place for htmx or by going back without it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from tribune.core.exceptions import Conflict, NotFound, ServiceError
from tribune.core.web import Submitted, button_answer, form_submit
from tribune.moderation.forms import AppealForm

pytestmark = pytest.mark.django_db


def request_for(method: str = "post", data: dict[str, str] | None = None, *, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    request = getattr(RequestFactory(), method)("/somewhere/", data or {}, headers=headers)
    request.user = AnonymousUser()
    request._messages = CookieStorage(request)
    return request


def said(request: HttpRequest) -> list[str]:
    return [str(message) for message in get_messages(request)]


# --- A posted form ------------------------------------------------------------------------


def test_a_form_not_posted_is_shown_and_nothing_is_saved():
    request = request_for("get")
    saved: list[dict[str, Any]] = []
    assert form_submit(request, AppealForm(None), saved.append) == Submitted(None, 200)
    assert saved == []


def test_an_invalid_form_is_shown_again_with_400_and_nothing_is_saved():
    request = request_for(data={"text": ""})
    form = AppealForm(request.POST)
    saved: list[dict[str, Any]] = []
    assert form_submit(request, form, saved.append) == Submitted(None, 400)
    assert saved == [] and "text" in form.errors


def test_a_valid_form_gives_the_service_its_data_and_returns_what_it_made():
    request = request_for(data={"text": "  It was news.  "})
    submitted = form_submit(request, AppealForm(request.POST), lambda data: data["text"])
    assert submitted == Submitted("It was news.", 200)


def test_a_refusal_comes_back_in_the_form_with_its_status():
    request = request_for(data={"text": "Please."})
    beside = AppealForm(request.POST)

    def refuse_field(data: dict[str, Any]) -> None:
        raise ServiceError("Say more.", code="too_short", errors={"text": ["Say more."]})

    submitted = form_submit(request, beside, refuse_field)
    assert (submitted.result, submitted.status) == (None, 400)
    assert submitted.error is not None and submitted.error.code == "too_short"
    assert beside.errors["text"] == ["Say more."]

    on_top = AppealForm(request.POST)

    def refuse(data: dict[str, Any]) -> None:
        raise Conflict("You appealed this already.", code="already_appealed")

    submitted = form_submit(request, on_top, refuse)
    assert (submitted.result, submitted.status) == (None, 409)
    assert isinstance(submitted.error, Conflict)
    assert on_top.non_field_errors() == ["You appealed this already."]


def test_what_the_service_does_not_find_stays_a_404():
    request = request_for(data={"text": "Please."})

    def gone(data: dict[str, Any]) -> None:
        raise NotFound

    with pytest.raises(NotFound):
        form_submit(request, AppealForm(request.POST), gone)


# --- A button -----------------------------------------------------------------------------


def fragment(error: str | None) -> HttpResponse:
    return HttpResponse(f"fragment: {error or 'done'}")


def answer(request: HttpRequest, change) -> HttpResponse:
    return button_answer(
        request, change, fragment=fragment, done="Saved.", back="/back/", anchor="here"
    )


def test_a_button_without_htmx_goes_back_to_its_page_saying_so():
    changed: list[bool] = []
    request = request_for(data={"next": "/where/it/was/"})
    response = answer(request, lambda: changed.append(True))
    assert changed == [True]
    assert (response.status_code, response["Location"]) == (302, "/where/it/was/#here")
    assert said(request) == ["Saved."]
    # A page elsewhere is not gone back to.
    elsewhere = answer(request_for(data={"next": "https://example.org/"}), lambda: None)
    assert elsewhere["Location"] == "/back/#here"


def test_a_button_with_htmx_draws_its_fragment_again():
    request = request_for(htmx=True)
    response = answer(request, lambda: None)
    assert response.content == b"fragment: done"
    assert said(request) == []


def refused() -> None:
    raise Conflict("Already so.", code="no_change")


def test_a_refused_button_says_why_in_its_fragment_or_on_a_page():
    assert answer(request_for(htmx=True), refused).content == b"fragment: Already so."
    page = answer(request_for(), refused)
    assert page.status_code == 409 and "Already so." in page.content.decode()


def test_what_a_button_does_not_find_stays_a_404():
    def gone() -> None:
        raise NotFound

    for htmx in (False, True):
        with pytest.raises(NotFound):
            answer(request_for(htmx=htmx), gone)
