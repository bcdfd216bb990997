"""The second factor's pages: set up an authenticator app, pass the second factor at log-in,
renew recovery codes (docs/security-authentication.md). They are open to a logged-in user who
has not passed the second factor yet, and to nobody else (``SecondFactorMiddleware``)."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from opentrm.accounts import mfa, security_keys
from opentrm.accounts.forms import SecondFactorForm
from opentrm.accounts.models import User


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _next(request: HttpRequest) -> str:
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the secret), then confirm with the first code."""
    user = _user(request)
    if mfa.has_second_factor(user) and not mfa.is_verified(request):
        # Replacing an app needs the second factor first: a stolen password is not enough.
        return redirect("accounts:mfa_verify")
    form = SecondFactorForm(request.POST or None)
    device = mfa.pending_device(user)
    if request.method == "POST" and form.is_valid() and device is not None:
        codes = mfa.confirm_enrolment(request, user, form.cleaned_data["code"])
        if codes is not None:
            return render(
                request,
                "accounts/mfa_recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error("code", _("This code is not right. Check the time on your phone."))
    if device is None or request.method == "GET":
        device = mfa.start_enrolment(user)
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            # segno writes the SVG itself from the otpauth address: no user text in it.
            "qr_svg": mark_safe(mfa.qr_svg(device)),  # noqa: S308
            "secret": mfa.secret_text(device),
            "next": _next(request),
        },
        status=200 if request.method == "GET" or form.is_valid() else 422,
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not mfa.has_second_factor(user):
        return redirect("accounts:mfa_setup")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.check_code(request, user, form.cleaned_data["code"]):
            return redirect(_next(request))
        form.add_error(
            "code", _("This code is not right, or it was tried too often. Wait a moment.")
        )
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "next": _next(request), "has_key": mfa.has_security_key(user)}
    return render(request, "accounts/mfa_verify.html", context, status=status)


@login_required
@require_POST
def mfa_recovery_renew(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working); only in a verified session."""
    user = _user(request)
    if not (mfa.has_app(user) and mfa.is_verified(request)):
        raise PermissionDenied
    codes = mfa.renew_recovery_codes(request, user)
    return render(
        request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": "/account/"}
    )


# --- security keys (WebAuthn): JSON for static/opentrm/webauthn.js ----------------------------


def _verified_or_new(request: HttpRequest, user: User) -> bool:
    """In a verified session, or as the first second factor of a user who has none."""
    return mfa.is_verified(request) or not mfa.has_second_factor(user)


def _holds_security_key(request: HttpRequest, user: User) -> bool:
    return mfa.has_security_key(user)


def _key_options(
    allowed: Callable[[HttpRequest, User], bool],
    make: Callable[[HttpRequest, User], str],
) -> Callable[[HttpRequest], HttpResponse]:
    """A view answering the options of one WebAuthn ceremony (a fresh challenge)."""

    @login_required
    @require_POST
    def view(request: HttpRequest) -> HttpResponse:
        user = _user(request)
        if not allowed(request, user):
            raise PermissionDenied
        return HttpResponse(make(request, user), content_type="application/json")

    return view


def _key_answer(
    allowed: Callable[[HttpRequest, User], bool],
    check: Callable[[HttpRequest, User, dict[str, Any], str], object],
) -> Callable[[HttpRequest], HttpResponse]:
    """A view checking the browser's answer to the ceremony; where to go next, or 422."""

    @login_required
    @require_POST
    def view(request: HttpRequest) -> HttpResponse:
        user = _user(request)
        if not allowed(request, user):
            raise PermissionDenied
        try:
            credential, name = security_keys.credential_from(request.body)
            check(request, user, credential, name)
        except security_keys.KeyRefused:
            return JsonResponse({"message": _("The security key was not accepted.")}, status=422)
        return JsonResponse({"next": _next(request)})

    return view


security_key_register_options = _key_options(_verified_or_new, security_keys.registration_options)
security_key_register = _key_answer(_verified_or_new, security_keys.register)
security_key_options = _key_options(_holds_security_key, security_keys.authentication_options)
security_key_verify = _key_answer(
    _holds_security_key,
    lambda request, user, credential, _name: security_keys.authenticate(request, user, credential),
)
