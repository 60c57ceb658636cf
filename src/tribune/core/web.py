"""Helpers the apps' page views share: whether htmx asked, and redirecting with a message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect

from tribune.core.exceptions import Forbidden, ServiceError

if TYPE_CHECKING:
    from django.shortcuts import SupportsGetAbsoluteUrl

T = TypeVar("T")

# What `redirect` takes: an address, a view's name, or a model with get_absolute_url.
RedirectTo: TypeAlias = "str | SupportsGetAbsoluteUrl"


def is_htmx(request: HttpRequest, *, include_boosted: bool = False) -> bool:
    """Whether htmx sent the request; a boosted one counts only with `include_boosted`."""
    if request.headers.get("HX-Request") != "true":
        return False
    # A boosted link or form wants the whole page, as it would without htmx.
    return include_boosted or "HX-Boosted" not in request.headers


@dataclass(frozen=True)
class Done:
    """What a member is told once a request did its work, and where they go next."""

    message: str
    # None: back to where a refusal would have gone.
    to: RedirectTo | None = None
    level: int = messages.SUCCESS


def redirect_with_message(
    request: HttpRequest, to: RedirectTo, message: str, *, level: int
) -> HttpResponseRedirect:
    """Redirect to `to`, with `message` shown on the next page."""
    messages.add_message(request, level, message)
    return redirect(to)


def run_or_redirect(
    request: HttpRequest,
    call: Callable[[], T],
    *,
    to: RedirectTo,
    done: Done | Callable[[T], Done],
    reraise: tuple[type[ServiceError], ...] = (Forbidden,),
) -> HttpResponseRedirect:
    """Call a service; redirect to `to` with its refusal's reason, or as `done` says."""
    try:
        result = call()
    except reraise:
        # Not a message: by default a Forbidden goes on to a page that says why.
        raise
    except ServiceError as error:
        return redirect_with_message(request, to, str(error.detail), level=messages.ERROR)
    outcome = done if isinstance(done, Done) else done(result)
    target = outcome.to if outcome.to is not None else to
    return redirect_with_message(request, target, outcome.message, level=outcome.level)
