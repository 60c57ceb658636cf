"""What the moderation, note and trust pages share: a posted form handed to a service,
and a button answered in place for htmx or by going back to its page without it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from tribune.accounts.follow_views import redirect_back
from tribune.core.exceptions import NotFound, ServiceError
from tribune.core.web import is_htmx
from tribune.wiki.views import problem

R = TypeVar("R")


class ServiceForm(Protocol):
    """A form that shows a service's refusal beside its fields (ServiceErrorsMixin)."""

    cleaned_data: dict[str, Any]

    def is_valid(self) -> bool: ...

    def add_service_error(self, error: ServiceError) -> None: ...


def form_submit(
    request: HttpRequest, form: ServiceForm, save: Callable[[dict[str, Any]], R]
) -> tuple[R | None, int]:
    """What `save` made of a posted, valid form; else None and the status of the page that
    shows the form again (200 unposted, 400 invalid, the refusal's own, in the form)."""
    if request.method != "POST":
        return None, 200
    if not form.is_valid():
        return None, 400
    try:
        return save(form.cleaned_data), 200
    except NotFound:
        raise  # the same plain 404 as for what does not exist
    except ServiceError as error:
        form.add_service_error(error)
        return None, error.status


def button_answer(
    request: HttpRequest,
    change: Callable[[], object],
    *,
    fragment: Callable[[str | None], HttpResponse],
    done: str,
    back: str,
    anchor: str,
) -> HttpResponse:
    """Make the change a button asks for. For htmx, `fragment` drawn again (with the
    refusal, if any); without, the refusal's page, or back to the button's page saying
    `done` (`back` if the page it was on is unknown)."""
    try:
        change()
    except NotFound:
        raise
    except ServiceError as error:
        if is_htmx(request):
            return fragment(str(error.detail))
        return problem(request, error)
    if is_htmx(request):
        return fragment(None)
    messages.success(request, done)
    return redirect_back(request, fallback=back, anchor=anchor)
