"""Subwiki pages: the list, creating one, joining and following, members, settings, and
editing the description. Thin views that parse, call one service or selector, and
render. A subwiki's own page, with its posts, is a feed (feeds.views.subwiki_page); the
description's history and diffs are the revision pages every page has
(communities.descriptions)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tribune.accounts.web import markdown_html, member_of
from tribune.communities import permissions, selectors, services
from tribune.communities.descriptions import DESCRIPTION_FIELDS
from tribune.communities.forms import (
    DescriptionEditForm,
    InviteForm,
    RoleForm,
    SubwikiCreateForm,
    SubwikiSettingsForm,
)
from tribune.communities.models import MembershipState, Role, Subwiki
from tribune.core.exceptions import Forbidden, ServiceError
from tribune.core.ratelimit import client_address
from tribune.core.web import (
    Done,
    form_submit,
    is_htmx,
    problem,
    refused,
    render_page,
    requested_page,
    run_or_redirect,
    shows_problems,
    with_query,
)
from tribune.wiki.presentation import conflict_fields, saved_message
from tribune.wiki.services import EditConflict

MAX_QUERY = 100
ROLE_ORDER: dict[str, int] = {Role.OWNER: 0, Role.MODERATOR: 1, Role.MEMBER: 2}


@require_GET
def subwiki_list(request: HttpRequest) -> HttpResponse:
    """Subwikis the viewer may read, newest first, with a search box and "load more"."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    requested = requested_page(
        request, partial(selectors.subwiki_list, viewer=request.user, query=query)
    )
    context = {
        "page": requested.page,
        "query": query,
        "is_first_page": requested.is_first,
        "can_create": permissions.can_create_subwiki(request.user),
    }
    return render_page(
        request,
        "communities/list.html",
        context,
        fragment="communities/_list_items.html",
        status=requested.status,
        include_boosted=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def subwiki_create(request: HttpRequest) -> HttpResponse:
    """The form that creates a subwiki; its creator becomes its owner."""
    member = member_of(request)
    if not permissions.can_create_subwiki(member):
        return problem(request, Forbidden(_("Only admitted members can create subwikis.")))
    form = SubwikiCreateForm(request.POST or None)
    submitted = form_submit(
        request,
        form,
        lambda data: services.subwiki_create(actor=member, **data),
        reraise=(Forbidden,),
    )
    if submitted.result is not None:
        name = submitted.result.name
        messages.success(request, _("%(name)s is ready, and you are its owner.") % {"name": name})
        return redirect(submitted.result)
    return render(request, "communities/create.html", {"form": form})


def subwiki_actions_context(request: HttpRequest, subwiki: Subwiki) -> dict[str, Any]:
    """What the join / leave / follow buttons need to know about the viewer."""
    viewer = request.user
    membership = permissions.membership_of(viewer, subwiki)
    return {
        "subwiki": subwiki,
        "membership": membership,
        "is_member": membership is not None and membership.is_active,
        "is_followed": selectors.subwiki_is_followed(viewer=viewer, subwiki=subwiki),
        "can_join": permissions.can_join(viewer, subwiki),
        "can_follow": permissions.can_follow(viewer, subwiki),
    }


# --- Join, leave, follow, unfollow ------------------------------------------------


def _action_done(
    request: HttpRequest, subwiki: Subwiki, *, message: str, error: bool = False
) -> HttpResponse:
    """After a button: htmx gets the buttons again with the message; others go back."""
    can_view = permissions.can_view_subwiki(request.user, subwiki)
    if is_htmx(request, include_boosted=True) and can_view:
        context = {**subwiki_actions_context(request, subwiki), "action_message": message}
        context["action_error"] = error
        return render(request, "communities/_actions.html", context)
    (messages.error if error else messages.success)(request, message)
    if can_view:
        return redirect(subwiki)
    # Asked to join a private subwiki, or left one: its page would answer 404.
    if is_htmx(request, include_boosted=True):
        response = HttpResponse()
        response["HX-Redirect"] = reverse("communities:list")
        return response
    return redirect("communities:list")


def _subwiki_action(
    *, readable_only: bool
) -> Callable[
    [Callable[[HttpRequest, Subwiki], HttpResponse]], Callable[[HttpRequest, str], HttpResponse]
]:
    """POST-only button views: visitors go to log in and come back to the subwiki's page."""

    def decorate(
        action: Callable[[HttpRequest, Subwiki], HttpResponse],
    ) -> Callable[[HttpRequest, str], HttpResponse]:
        @require_POST
        def view(request: HttpRequest, slug: str) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(reverse("feeds:subwiki", kwargs={"slug": slug}))
            get = selectors.subwiki_get if readable_only else selectors.subwiki_get_any
            subwiki = get(viewer=request.user, slug=slug)
            try:
                return action(request, subwiki)
            except Forbidden as error:
                if is_htmx(request, include_boosted=True):
                    return _action_done(request, subwiki, message=str(error.detail), error=True)
                return problem(request, error)
            except ServiceError as error:
                return _action_done(request, subwiki, message=str(error.detail), error=True)

        view.__doc__ = action.__doc__
        view.__name__ = action.__name__
        return view

    return decorate


@_subwiki_action(readable_only=False)
def subwiki_join(request: HttpRequest, subwiki: Subwiki) -> HttpResponse:
    """Join a public subwiki, accept an invitation, or ask to join a private one."""
    membership = services.subwiki_join(actor=member_of(request), subwiki=subwiki)
    if membership.state == MembershipState.REQUESTED:
        message = _("Your request was sent to the moderators of %(name)s.")
    else:
        message = _("You joined %(name)s.")
    return _action_done(request, subwiki, message=message % {"name": subwiki.name})


@_subwiki_action(readable_only=False)
def subwiki_leave(request: HttpRequest, subwiki: Subwiki) -> HttpResponse:
    """Leave a subwiki, withdraw a request to join, or decline an invitation."""
    membership = permissions.membership_of(request.user, subwiki)
    state = membership.state if membership is not None else None
    services.subwiki_leave(actor=member_of(request), subwiki=subwiki)
    if state == MembershipState.REQUESTED:
        message = _("You withdrew your request to join %(name)s.")
    elif state == MembershipState.INVITED:
        message = _("You declined the invitation to %(name)s.")
    else:
        message = _("You left %(name)s.")
    return _action_done(request, subwiki, message=message % {"name": subwiki.name})


@_subwiki_action(readable_only=True)
def subwiki_follow(request: HttpRequest, subwiki: Subwiki) -> HttpResponse:
    """Follow a subwiki: its posts come to the member's home feed."""
    services.subwiki_follow(actor=member_of(request), subwiki=subwiki)
    message = _("You follow %(name)s: its posts will be in your feed.")
    return _action_done(request, subwiki, message=message % {"name": subwiki.name})


@_subwiki_action(readable_only=True)
def subwiki_unfollow(request: HttpRequest, subwiki: Subwiki) -> HttpResponse:
    """Stop following a subwiki."""
    services.subwiki_unfollow(actor=member_of(request), subwiki=subwiki)
    message = _("You no longer follow %(name)s.")
    return _action_done(request, subwiki, message=message % {"name": subwiki.name})


# --- Members -------------------------------------------------------------------------


def _members_page(
    request: HttpRequest, subwiki: Subwiki, *, invite_form: InviteForm | None = None
) -> HttpResponse:
    memberships = selectors.subwiki_memberships(viewer=request.user, subwiki=subwiki)
    active = sorted(
        (m for m in memberships if m.state == MembershipState.ACTIVE),
        key=lambda m: (ROLE_ORDER.get(m.role, 9), m.member.username.lower()),
    )
    context = {
        "subwiki": subwiki,
        "active": active,
        "requested": [m for m in memberships if m.state == MembershipState.REQUESTED],
        "invited": [m for m in memberships if m.state == MembershipState.INVITED],
        "can_manage": permissions.can_manage_members(request.user, subwiki),
        "can_change_roles": permissions.can_change_roles(request.user, subwiki),
        "invite_form": invite_form or InviteForm(),
        "roles": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]  # ChoiceField
    }
    return render(request, "communities/members.html", context)


@require_GET
def subwiki_members(request: HttpRequest, slug: str) -> HttpResponse:
    """The members and their roles; requests, invitations and tools for moderators."""
    subwiki = selectors.subwiki_get(viewer=request.user, slug=slug)
    return _members_page(request, subwiki)


def _member_action(
    action: Callable[[HttpRequest, Subwiki, str], str],
) -> Callable[[HttpRequest, str, str], HttpResponse]:
    """POST-only moderator actions on one member; every refusal is a message, never a 500."""

    @login_required
    @require_POST
    def view(request: HttpRequest, slug: str, username: str) -> HttpResponse:
        subwiki = selectors.subwiki_get(viewer=request.user, slug=slug)
        try:
            return run_or_redirect(
                request,
                partial(action, request, subwiki, username),
                to=reverse("communities:members", args=[subwiki.slug]),
                done=lambda message: Done(message),
            )
        except Forbidden as error:
            return problem(request, error)

    view.__doc__ = action.__doc__
    view.__name__ = action.__name__
    return view


@_member_action
def membership_approve(request: HttpRequest, subwiki: Subwiki, username: str) -> str:
    """Accept a request to join."""
    membership = services.membership_approve(
        actor=member_of(request), subwiki=subwiki, username=username
    )
    return _("%(name)s is now a member.") % {"name": membership.member.name}


@_member_action
def membership_remove(request: HttpRequest, subwiki: Subwiki, username: str) -> str:
    """Refuse a request, withdraw an invitation or remove a member."""
    membership = services.membership_remove(
        actor=member_of(request), subwiki=subwiki, username=username
    )
    name = membership.member.name
    if membership.state == MembershipState.REQUESTED:
        return _("You refused the request of %(name)s.") % {"name": name}
    if membership.state == MembershipState.INVITED:
        return _("You withdrew the invitation of %(name)s.") % {"name": name}
    return _("%(name)s is no longer a member.") % {"name": name}


@_member_action
def membership_set_role(request: HttpRequest, subwiki: Subwiki, username: str) -> str:
    """Make a member an owner, a moderator or a plain member."""
    form = RoleForm(request.POST)
    if not form.is_valid():
        raise ServiceError(_("Choose owner, moderator or member."))
    membership = services.membership_set_role(
        actor=member_of(request), subwiki=subwiki, username=username, role=form.cleaned_data["role"]
    )
    if membership.role == Role.OWNER:
        message = _("%(name)s is now an owner.")
    elif membership.role == Role.MODERATOR:
        message = _("%(name)s is now a moderator.")
    else:
        message = _("%(name)s is now a member without a role.")
    return message % {"name": membership.member.name}


@login_required
@require_POST
@shows_problems
def membership_invite(request: HttpRequest, slug: str) -> HttpResponse:
    """Invite a member by username; they accept by joining."""
    subwiki = selectors.subwiki_get(viewer=request.user, slug=slug)
    form = InviteForm(request.POST)
    submitted = form_submit(
        request,
        form,
        lambda data: services.membership_invite(
            actor=member_of(request), subwiki=subwiki, username=data["username"]
        ),
        reraise=(Forbidden,),
    )
    membership = submitted.result
    if membership is not None:
        if membership.state == MembershipState.ACTIVE:
            message = _("%(name)s had asked to join and is now a member.")
        else:
            message = _("%(name)s is invited: they join by accepting on the subwiki's page.")
        messages.success(request, message % {"name": membership.member.name})
        return redirect("communities:members", slug=subwiki.slug)
    if not permissions.can_manage_members(request.user, subwiki):
        raise Forbidden
    return _members_page(request, subwiki, invite_form=form)


# --- Settings ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def subwiki_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Name, visibility and edit policies, for owners and staff."""
    member = member_of(request)
    subwiki = selectors.subwiki_get(viewer=member, slug=slug)
    if not permissions.can_change_settings(member, subwiki):
        return problem(
            request, Forbidden(_("Only the owners of this subwiki can change its settings."))
        )
    initial = {
        "name": subwiki.name,
        "visibility": subwiki.visibility,
        "description_edit_policy": subwiki.description_edit_policy,
        "min_post_edit_policy": subwiki.min_post_edit_policy,
    }
    form = SubwikiSettingsForm(request.POST or None, initial=initial)
    submitted = form_submit(
        request,
        form,
        lambda data: services.subwiki_update_settings(actor=member, subwiki=subwiki, **data),
        reraise=(Forbidden,),
    )
    if submitted.result is not None:
        messages.success(request, _("The settings are saved."))
        return redirect(subwiki)
    return render(request, "communities/settings.html", {"subwiki": subwiki, "form": form})


# --- The description ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@shows_problems
def description_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit a subwiki's description; a conflict shows both versions and keeps the text."""
    member = member_of(request)
    subwiki, decision = selectors.subwiki_get_for_description_edit(viewer=member, slug=slug)
    diff_url = reverse("communities:description_diff", args=[subwiki.slug])
    context: dict[str, Any] = {
        "subwiki": subwiki,
        "pending_notice": decision is permissions.EditDecision.PENDING,
        "edit_url": reverse("communities:description_edit", args=[subwiki.slug]),
        "history_url": reverse("communities:description_history", args=[subwiki.slug]),
        "diff_url": diff_url,
    }
    status = 200
    refusal: ServiceError | None = None
    if request.method == "GET":
        form = DescriptionEditForm(
            initial={
                "description": subwiki.description,
                "base_revision": subwiki.page.current_revision_id,
            }
        )
    else:
        form = DescriptionEditForm(request.POST)
        if "preview" in request.POST:
            context["preview_html"] = markdown_html(member, request.POST.get("description", ""))
        else:
            try:
                submitted = form_submit(
                    request,
                    form,
                    lambda data: services.subwiki_description_edit(
                        actor=member,
                        subwiki=subwiki,
                        description=data["description"],
                        base_revision=data["base_revision"],
                        summary=data["summary"],
                        address=client_address(request),
                    ),
                    reraise=(Forbidden, EditConflict),
                )
            except EditConflict as conflict:
                form = DescriptionEditForm(form.with_base(conflict.current.pk))
                context["conflict"] = conflict_fields(conflict, multiline=DESCRIPTION_FIELDS)
                context["conflict_diff_url"] = with_query(
                    diff_url,
                    **{"from": request.POST.get("base_revision"), "to": conflict.current.pk},
                )
                status = 409
            else:
                refusal = submitted.error
                result = submitted.result
                if result is not None:
                    message = saved_message(
                        changed=result.changed, pending=result.pending, merged=result.merged
                    )
                    messages.success(request, message)
                    return redirect(subwiki)
    context["form"] = form
    response = render(request, "communities/description_edit.html", context, status=status)
    return refused(request, response, refusal)
