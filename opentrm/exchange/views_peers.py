"""Peers pages (Action.EXCHANGE_MANAGE): register, compare fingerprints, confirm, suspend."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.core.errors import ConflictError
from opentrm.core.forms import add_service_errors, cleaned
from opentrm.core.views import form_view
from opentrm.exchange import crypto, keys
from opentrm.exchange.forms import PeerConfirmForm, PeerRefreshForm, PeerRegisterForm, VersionForm
from opentrm.exchange.models import Peer
from opentrm.exchange.services import peers as services


def _own_node() -> dict[str, object]:
    try:
        fingerprint = crypto.fingerprint()
    except keys.NodeNotInitialised:
        fingerprint = ""
    return {"node_document": crypto.node_document(), "own_fingerprint": fingerprint}


@actor_required(Action.EXCHANGE_MANAGE)
@require_http_methods(["GET"])
def peer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    peers = Peer.objects.order_by("country_code", "name")
    return render(request, "exchange/peer_list.html", {"peers": peers, **_own_node()})


@actor_required(Action.EXCHANGE_MANAGE)
@require_http_methods(["GET", "POST"])
def peer_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PeerRegisterForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: services.register_peer(
            actor=request.actor,
            **cleaned(form, "name", "base_url"),
            document_json=form.cleaned_data["document"],
        ),
        success=_("Peer registered. Ask its administrator to read out the fingerprint; type it."),
        done=lambda peer: redirect("exchange:peer_detail", peer.pk),
        template="exchange/peer_register.html",
        refused_status=422,
    )


def _detail(
    request: HttpRequest,
    peer: Peer,
    *,
    confirm_form: PeerConfirmForm | None = None,
    refresh_form: PeerRefreshForm | None = None,
    status: int = 200,
) -> HttpResponse:
    initial = {"version": peer.version}
    context = {
        "peer": peer,
        "confirm_form": confirm_form or PeerConfirmForm(initial=initial),
        "refresh_form": refresh_form or PeerRefreshForm(initial=initial),
        "status_form": VersionForm(initial=initial),
        **_own_node(),
    }
    return render(request, "exchange/peer_detail.html", context, status=status)


@actor_required(Action.EXCHANGE_MANAGE)
@require_http_methods(["GET"])
def peer_detail(request: AuthenticatedHttpRequest, peer_id: int) -> HttpResponse:
    return _detail(request, get_object_or_404(Peer, pk=peer_id))


@actor_required(Action.EXCHANGE_MANAGE)
@require_http_methods(["POST"])
def peer_confirm(request: AuthenticatedHttpRequest, peer_id: int) -> HttpResponse:
    peer = get_object_or_404(Peer, pk=peer_id)
    form = PeerConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_peer(
                actor=request.actor,
                peer=peer,
                expected_version=form.cleaned_data["version"],
                fingerprint=form.cleaned_data["fingerprint"],
            )
        except (ValidationError, ConflictError) as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Peer confirmed: packages are exchanged with it now."))
            return redirect("exchange:peer_detail", peer.pk)
    peer.refresh_from_db()
    return _detail(request, peer, confirm_form=form, status=422)


def _form_error(form: VersionForm, error: ValidationError | ConflictError) -> None:
    if isinstance(error, ValidationError):
        add_service_errors(form, error)
    else:
        form.add_error(None, str(error))


def _status_change(
    request: AuthenticatedHttpRequest, peer_id: int, *, resume: bool
) -> HttpResponse:
    peer = get_object_or_404(Peer, pk=peer_id)
    form = VersionForm(request.POST)
    if form.is_valid():
        change = services.resume_peer if resume else services.suspend_peer
        try:
            change(
                actor=request.actor,
                peer=peer,
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, ConflictError) as error:
            messages.error(request, " ".join(_messages(error)))
        else:
            messages.success(request, _("Peer resumed.") if resume else _("Peer suspended."))
            return redirect("exchange:peer_detail", peer.pk)
    else:
        messages.error(request, _("The form was incomplete. Reload the page and try again."))
    peer.refresh_from_db()
    return _detail(request, peer, status=422)


def _messages(error: ValidationError | ConflictError) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(m) for m in error.messages]
    return [str(error)]


@actor_required(Action.EXCHANGE_MANAGE)
@require_http_methods(["POST"])
def peer_suspend(request: AuthenticatedHttpRequest, peer_id: int) -> HttpResponse:
    return _status_change(request, peer_id, resume=False)


@actor_required(Action.EXCHANGE_MANAGE)
@require_http_methods(["POST"])
def peer_resume(request: AuthenticatedHttpRequest, peer_id: int) -> HttpResponse:
    return _status_change(request, peer_id, resume=True)


@actor_required(Action.EXCHANGE_MANAGE)
@require_http_methods(["POST"])
def peer_refresh(request: AuthenticatedHttpRequest, peer_id: int) -> HttpResponse:
    peer = get_object_or_404(Peer, pk=peer_id)
    form = PeerRefreshForm(request.POST)
    if form.is_valid():
        try:
            changed = services.refresh_keys(
                actor=request.actor,
                peer=peer,
                expected_version=form.cleaned_data["version"],
                document_json=form.cleaned_data["document"],
            )
        except (ValidationError, ConflictError) as error:
            _form_error(form, error)
        else:
            if changed:
                messages.warning(
                    request,
                    _("The peer's keys changed: compare the new fingerprint, then confirm it."),
                )
            else:
                messages.success(request, _("The peer's keys are unchanged."))
            return redirect("exchange:peer_detail", peer.pk)
    peer.refresh_from_db()
    return _detail(request, peer, refresh_form=form, status=422)
