"""The view helpers the apps share: telling htmx requests apart, and redirecting with a message."""

from __future__ import annotations

from typing import NoReturn

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from tribune.core.exceptions import Conflict, Forbidden, NotFound, RateLimited, ServiceError
from tribune.core.web import Done, is_htmx, redirect_with_message, run_or_redirect

BACK = "/back/"


class Page:
    """Anything with an address of its own, as a Post or a Subwiki."""

    def get_absolute_url(self) -> str:
        return "/page/7/"


def _answer(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


@pytest.fixture
def request_() -> HttpRequest:
    """A POST with the session and the message storage its middleware gives it."""
    request = RequestFactory().post("/button/")
    SessionMiddleware(_answer).process_request(request)
    MessageMiddleware(_answer).process_request(request)
    return request


def told(request: HttpRequest) -> list[tuple[int, str]]:
    return [(message.level, message.message) for message in get_messages(request)]


def never_called(result: object) -> NoReturn:
    pytest.fail("`done` is only asked after the service did its work")


# --- is_htmx -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "include_boosted", "expected"),
    [
        ({}, False, False),
        ({}, True, False),
        ({"HX-Request": "true"}, False, True),
        ({"HX-Request": "true"}, True, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, False, False),
        ({"HX-Request": "true", "HX-Boosted": "true"}, True, True),
        ({"HX-Request": "false"}, True, False),
        ({"HX-Boosted": "true"}, True, False),
    ],
)
def test_is_htmx(headers: dict[str, str], include_boosted: bool, expected: bool) -> None:
    request = RequestFactory().get("/", headers=headers)
    assert is_htmx(request, include_boosted=include_boosted) is expected


def test_a_boosted_request_wants_the_whole_page_unless_asked() -> None:
    request = RequestFactory().get("/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert is_htmx(request) is False


# --- redirect_with_message ---------------------------------------------------------------


def test_redirect_with_message(request_: HttpRequest) -> None:
    response = redirect_with_message(request_, BACK, "Choose one.", level=messages.ERROR)
    assert response.status_code == 302
    assert response["Location"] == BACK
    assert told(request_) == [(messages.ERROR, "Choose one.")]


def test_redirect_with_message_to_a_model(request_: HttpRequest) -> None:
    response = redirect_with_message(request_, Page(), "Saved.", level=messages.SUCCESS)
    assert response["Location"] == "/page/7/"


# --- run_or_redirect ---------------------------------------------------------------------


def test_done_goes_back_to_where_refusals_go_by_default(request_: HttpRequest) -> None:
    calls: list[str] = []

    def service() -> None:
        calls.append("called")

    response = run_or_redirect(request_, service, to=BACK, done=Done("It is done."))
    assert calls == ["called"]
    assert response.status_code == 302
    assert response["Location"] == BACK
    assert told(request_) == [(messages.SUCCESS, "It is done.")]


def test_done_depends_on_what_the_service_returned(request_: HttpRequest) -> None:
    page = Page()

    def done(result: tuple[Page, bool]) -> Done:
        where, changed = result
        assert changed is False
        return Done("Nothing changed.", to=where, level=messages.INFO)

    response = run_or_redirect(request_, lambda: (page, False), to=BACK, done=done)
    assert response["Location"] == "/page/7/"
    assert told(request_) == [(messages.INFO, "Nothing changed.")]


@pytest.mark.parametrize(
    "error",
    [
        ServiceError("Not now."),
        NotFound("Not now."),
        Conflict("Not now."),
        RateLimited(30, "Not now."),
    ],
    ids=["service-error", "not-found", "conflict", "rate-limited"],
)
def test_a_refusal_goes_back_with_its_reason(request_: HttpRequest, error: ServiceError) -> None:
    def service() -> NoReturn:
        raise error

    response = run_or_redirect(request_, service, to=BACK, done=never_called)
    assert response.status_code == 302
    assert response["Location"] == BACK
    assert told(request_) == [(messages.ERROR, "Not now.")]


def test_a_refusal_without_words_says_the_default(request_: HttpRequest) -> None:
    def service() -> NoReturn:
        raise ServiceError

    run_or_redirect(request_, service, to=BACK, done=never_called)
    assert told(request_) == [(messages.ERROR, str(ServiceError.default_detail))]


def test_forbidden_goes_on_to_the_page_that_says_why(request_: HttpRequest) -> None:
    def service() -> NoReturn:
        raise Forbidden("Moderators only.")

    with pytest.raises(Forbidden, match="Moderators only"):
        run_or_redirect(request_, service, to=BACK, done=never_called)
    assert told(request_) == []


def test_reraise_names_the_errors_that_go_on(request_: HttpRequest) -> None:
    def limited() -> NoReturn:
        raise RateLimited(30)

    with pytest.raises(RateLimited):
        run_or_redirect(
            request_, limited, to=BACK, done=never_called, reraise=(Forbidden, RateLimited)
        )
    assert told(request_) == []


def test_reraise_replaces_the_default(request_: HttpRequest) -> None:
    class Overlap(Conflict):
        pass

    def overlapping() -> NoReturn:
        raise Overlap

    def forbidden() -> NoReturn:
        raise Forbidden("Moderators only.")

    with pytest.raises(Overlap):
        run_or_redirect(request_, overlapping, to=BACK, done=never_called, reraise=(Overlap,))
    response = run_or_redirect(request_, forbidden, to=BACK, done=never_called, reraise=())
    assert response["Location"] == BACK
    assert told(request_) == [(messages.ERROR, "Moderators only.")]
