"""What the apps' page views share: answering htmx or a whole page, saying why a request
was refused, calling a service then redirecting with a message, and going back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeAlias, TypeVar, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from tribune.core.exceptions import Forbidden, NotFound, RateLimited, ServiceError
from tribune.core.pagination import clean_limit

if TYPE_CHECKING:
    from django.shortcuts import SupportsGetAbsoluteUrl

T = TypeVar("T")
V = TypeVar("V", bound=Callable[..., HttpResponse])


class PageOfList(Protocol):
    """A page of a list: its items and the cursor of the next page (core.pagination.Page)."""

    @property
    def next_cursor(self) -> str | None: ...


L = TypeVar("L", bound=PageOfList)

# What `redirect` takes: an address, a view's name, or a model with get_absolute_url.
RedirectTo: TypeAlias = "str | SupportsGetAbsoluteUrl"


def is_htmx(request: HttpRequest, *, include_boosted: bool = False) -> bool:
    """Whether htmx sent the request; a boosted one counts only with `include_boosted`."""
    if request.headers.get("HX-Request") != "true":
        return False
    # A boosted link or form wants the whole page, as it would without htmx.
    return include_boosted or "HX-Boosted" not in request.headers


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    fragment: str | None = None,
    status: int = 200,
    include_boosted: bool = False,
) -> HttpResponse:
    """The page, or its fragment for htmx (a boosted request's too with `include_boosted`);
    caches must keep the two apart."""
    use_fragment = fragment is not None and is_htmx(request, include_boosted=include_boosted)
    response = render(request, fragment if use_fragment else template, context, status=status)  # type: ignore[arg-type]
    if fragment is not None:
        patch_vary_headers(response, ["HX-Request"])
    return response


def problem(request: HttpRequest, error: ServiceError) -> HttpResponse:
    """A page that says why a request was refused (403) or could not be carried out (4xx)."""
    titles = {
        403: _("You may not do this"),
        409: _("This conflicts with another change"),
        429: _("Please slow down"),
    }
    context = {
        "title": titles.get(error.status, _("This cannot be done")),
        "message": str(error.detail),
    }
    response = render(request, "core/problem.html", context, status=error.status)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def shows_problems(view: V) -> V:
    """Answer a refused request with a page that says why; NotFound stays a plain 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            # Private things are not confirmed: the same 404 as for what does not exist.
            raise
        except ServiceError as error:
            return problem(request, error)

    return cast(V, wrapped)


def with_query(url: str, **params: Any) -> str:
    """`url` with the given query parameters (those that are None left out)."""
    kept = {key: value for key, value in params.items() if value is not None}
    return f"{url}?{urlencode(kept)}" if kept else url


def safe_next(request: HttpRequest, value: str, fallback: str) -> str:
    """`value` if it is a place on this site to go back to, else `fallback`."""
    if value.startswith("/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return fallback


def redirect_back(request: HttpRequest, *, fallback: str, anchor: str = "") -> HttpResponse:
    """Back to the page the button was on (its `next` field, if it is on this site)."""
    target = safe_next(request, request.POST.get("next", ""), fallback)
    return HttpResponseRedirect(f"{target}#{anchor}" if anchor else target)


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


class ServiceForm(Protocol):
    """A form that shows a service's refusal beside its fields (ServiceErrorsMixin)."""

    cleaned_data: dict[str, Any]

    def is_valid(self) -> bool: ...

    def add_service_error(self, error: ServiceError) -> None: ...


@dataclass(frozen=True)
class Submitted(Generic[T]):
    """What became of a form: the service's result, or the status of the page that shows
    the form again (200 unposted, 400 invalid, else the refusal's) and the refusal."""

    result: T | None
    status: int = 200
    error: ServiceError | None = None


def form_submit(
    request: HttpRequest,
    form: ServiceForm,
    save: Callable[[dict[str, Any]], T],
    *,
    reraise: tuple[type[ServiceError], ...] = (),
) -> Submitted[T]:
    """What `save` made of a posted, valid form; else why not, with the service's refusal
    beside the form's fields. NotFound, and the errors in `reraise`, go on up (a 404,
    a page that says why, or a case the view handles itself)."""
    if request.method != "POST":
        return Submitted(None)
    if not form.is_valid():
        return Submitted(None, 400)
    passed_on: tuple[type[ServiceError], ...] = (NotFound, *reraise)
    try:
        return Submitted(save(form.cleaned_data))
    except passed_on:
        raise  # NotFound: the same plain 404 as for what does not exist
    except ServiceError as error:
        form.add_service_error(error)
        return Submitted(None, error.status, error)


def refused(
    request: HttpRequest, response: HttpResponse, error: ServiceError | None
) -> HttpResponse:
    """A form shown again after `error`: 429 with Retry-After when it was a rate limit.

    htmx swaps only 2xx answers, so a fragment for htmx keeps its status and gets
    only the header.
    """
    if isinstance(error, RateLimited):
        if not is_htmx(request, include_boosted=True):
            response.status_code = error.status
        response["Retry-After"] = str(error.retry_after)
    return response


@dataclass(frozen=True)
class RequestedPage(Generic[L]):
    """The page of a list a request asked for (`?cursor=`, `?limit=`), or its first page."""

    page: L
    is_first: bool
    status: int
    # The page size asked for, kept by the next page's link (None: the default).
    limit: int | None = None

    def next_url(self, base_url: str) -> str | None:
        """The address of the next page, or None on the last."""
        if not self.page.next_cursor:
            return None
        return with_query(base_url, cursor=self.page.next_cursor, limit=self.limit)


def requested_page(request: HttpRequest, fetch: Callable[..., L]) -> RequestedPage[L]:
    """The page `?cursor=` and `?limit=` ask for, from `fetch(cursor=, limit=)`.

    A damaged cursor (an edited address) or a limit out of range is said in a message,
    and the first page comes instead, with status 400: the person sees what went wrong
    and still has something to read.
    """
    cursor = request.GET.get("cursor") or None
    limit = request.GET.get("limit") or None
    try:
        page = fetch(cursor=cursor, limit=limit)
    except NotFound:
        raise
    except ServiceError as error:
        messages.error(request, str(error.detail))
        return RequestedPage(fetch(cursor=None, limit=None), is_first=True, status=400)
    size = None if limit is None else clean_limit(limit)
    return RequestedPage(page, is_first=cursor is None, status=200, limit=size)


def button_answer(
    request: HttpRequest,
    change: Callable[[], object],
    *,
    fragment: Callable[[str | None], HttpResponse],
    done: str | None,
    back: str,
    anchor: str,
) -> HttpResponse:
    """Make the change a button asks for. For htmx, `fragment` drawn again (with the
    refusal, if any); without, the refusal's page, or back to the button's page saying
    `done`, if anything (`back` if the page it was on is unknown)."""
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
    if done is not None:
        messages.success(request, done)
    return redirect_back(request, fallback=back, anchor=anchor)
