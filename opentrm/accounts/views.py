"""Login, logout, password, the acting organisation, members and personal API tokens."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from opentrm.accounts import mfa, services
from opentrm.accounts.client_address import client_address
from opentrm.accounts.decorators import actor_required
from opentrm.accounts.forms import (
    ApiTokenCreateForm,
    ChooseOrganisationForm,
    MemberCreateForm,
    MembershipChangeForm,
)
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.models import ApiToken, Membership, RoleGrant, RoleGrantStatus, User
from opentrm.accounts.policy import (
    LANDING_PAGES,
    Action,
    Actor,
    active_memberships,
    actor_for,
    membership_permissions,
    role_grant_permissions,
)
from opentrm.accounts.roles import Role
from opentrm.accounts.session import current_actor, set_acting_membership
from opentrm.accounts.throttle import login_wait_seconds
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.forms import cleaned, raise_errors
from opentrm.core.views import form_view


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if settings.OPENTRM_OIDC_ENABLED:
            context["oidc_name"] = settings.OPENTRM_OIDC_NAME
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # During a delay the password is not checked at all: guessing gains nothing.
        wait = login_wait_seconds(
            username=str(request.POST.get("username", "")), address=client_address(request)
        )
        if wait:
            response = render(request, "accounts/locked_out.html", {"seconds": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        """The role's landing page (``policy.LANDING_PAGES``), else the home page."""
        user = self.request.user
        role = actor_for(user, None).role if isinstance(user, User) else None
        landing = LANDING_PAGES.get(role) if role is not None else None
        return resolve_url(landing) if landing else super().get_default_redirect_url()


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            actor = current_actor(self.request)
            record_event(event_type=EventType.USER_PASSWORD_CHANGED, actor=actor)
        messages.success(self.request, _("Your password was changed."))
        return response


@login_required
@require_http_methods(["GET", "POST"])
def choose_organisation(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    assert actor is not None
    memberships = active_memberships(actor.user)
    form = ChooseOrganisationForm(request.POST or None, memberships=memberships)
    if request.method == "POST" and form.is_valid():
        membership = form.cleaned_data["membership"]
        request.session.cycle_key()  # another organisation's powers: a new session key
        set_acting_membership(request, membership.pk)
        record_event(
            event_type=EventType.ORGANISATION_SWITCHED,
            actor=current_actor(request),
            target=membership,
        )
        return redirect("directory:home")
    status = 200 if memberships else 403
    return render(
        request,
        "accounts/choose_organisation.html",
        {"form": form, "memberships": memberships},
        status=status,
    )


@actor_required(Action.ACCOUNT_OWN)
@require_http_methods(["GET"])
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/account.html",
        {
            "memberships": active_memberships(request.actor.user),
            "second_factor": {
                "has_app": mfa.has_app(request.actor.user),
                "recovery_left": mfa.recovery_codes_left(request.actor.user),
            },
        },
    )


@actor_required(Action.API_TOKENS_OWN)
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The member's personal API tokens: only for the roles configured for machine access."""
    actor = request.actor
    form = ApiTokenCreateForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.api_token_create(
                actor=actor, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenCreateForm()
    tokens = ApiToken.objects.filter(membership__user=actor.user).select_related(
        "membership__organisation"
    )
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": tokens, "new_secret": new_secret},
    )


@actor_required(Action.API_TOKENS_OWN)
@require_http_methods(["POST"])
def api_token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    actor = request.actor
    token = get_object_or_404(ApiToken, pk=token_id, membership__user=actor.user)
    services.api_token_revoke(actor=actor, token=token)
    messages.success(request, _("The token was revoked."))
    return HttpResponseRedirect(reverse("accounts:api_tokens"))


@actor_required(Action.MEMBERS_MANAGE)
@require_http_methods(["GET", "POST"])
def member_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    form = MemberCreateForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: services.member_create(
            actor=actor,
            **cleaned(form, "username", "full_name", "email"),
            role=Role(form.cleaned_data["role"]),
            password=form.cleaned_data["password"],
        ),
        success=lambda membership: (
            str(GRANT_PENDING)
            if services.pending_grant(membership) is not None
            else _("The member was added.")
        ),
        done="accounts:member_list",
        template="accounts/member_list.html",
        context=lambda: _members_context(request),
        precheck=lambda: raise_errors(services.member_errors(form.cleaned_data)),
    )


def _members_context(request: AuthenticatedHttpRequest) -> dict[str, object]:
    organisation_id = request.membership.organisation_id
    members = [
        (membership, membership_permissions(request.actor, membership))
        for membership in Membership.objects.filter(organisation_id=organisation_id)
        .select_related("user")
        .order_by("user__username")
    ]
    grants = [
        (grant, role_grant_permissions(request.actor, grant))
        for grant in RoleGrant.objects.filter(
            membership__organisation_id=organisation_id, status=RoleGrantStatus.PENDING
        ).select_related("membership__user", "requested_by")
    ]
    return {"members": members, "grants": grants}


GRANT_PENDING = gettext_lazy(
    "The role is above a caseworker's: it takes effect when a second administrator of your "
    "organisation approves it."
)


@actor_required(Action.MEMBERS_MANAGE)
@require_http_methods(["GET", "POST"])
def member_change(request: AuthenticatedHttpRequest, membership_id: int) -> HttpResponse:
    actor = request.actor
    membership = get_object_or_404(
        Membership.objects.select_related("user"),
        pk=membership_id,
        organisation_id=actor.organisation_id,
    )
    if not actor.may_manage_membership(membership):
        messages.error(request, _("You cannot change your own role or membership."))
        return redirect("accounts:member_list")
    form = MembershipChangeForm(
        request.POST or None, initial={"role": membership.role, "is_active": membership.is_active}
    )

    def granted(changed: Membership) -> str:
        pending = services.pending_grant(changed)
        if pending is not None and pending.role == Role(form.cleaned_data["role"]).value:
            return str(GRANT_PENDING)
        return _("The membership was changed.")

    return form_view(
        request,
        form,
        save=lambda: services.membership_change(
            actor=actor,
            membership=membership,
            role=Role(form.cleaned_data["role"]),
            is_active=form.cleaned_data["is_active"],
        ),
        success=granted,
        done="accounts:member_list",
        template="accounts/member_change.html",
        context=lambda: {"membership": membership, "pending": services.pending_grant(membership)},
    )


def _own_pending_grant(actor: Actor, grant_id: int) -> RoleGrant:
    return get_object_or_404(
        RoleGrant.objects.select_related("membership__user", "requested_by"),
        pk=grant_id,
        membership__organisation_id=actor.organisation_id,
        status=RoleGrantStatus.PENDING,
    )


@actor_required(Action.MEMBERS_MANAGE)
@require_http_methods(["POST"])
def role_grant_approve(request: AuthenticatedHttpRequest, grant_id: int) -> HttpResponse:
    actor = request.actor
    grant = _own_pending_grant(actor, grant_id)
    if not actor.may_approve_role_grant(grant):
        raise PermissionDenied(_("A second administrator must approve a grant you requested."))
    services.role_grant_approve(actor=actor, grant=grant)
    messages.success(request, _("The role was granted."))
    return redirect("accounts:member_list")


@actor_required(Action.MEMBERS_MANAGE)
@require_http_methods(["POST"])
def role_grant_refuse(request: AuthenticatedHttpRequest, grant_id: int) -> HttpResponse:
    actor = request.actor
    grant = _own_pending_grant(actor, grant_id)
    if not actor.may_manage_membership(grant.membership):
        raise PermissionDenied
    services.role_grant_refuse(actor=actor, grant=grant)
    messages.success(request, _("The request was refused."))
    return redirect("accounts:member_list")
