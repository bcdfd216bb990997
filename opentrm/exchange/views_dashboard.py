"""The exchange dashboard and the dead-letter queue (system administrators)."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action
from opentrm.core.errors import DomainError
from opentrm.exchange import clock
from opentrm.exchange.models import InboxMessage
from opentrm.exchange.services import delivery, processing, rejections, traffic


@require_GET
@actor_required(Action.EXCHANGE_MANAGE)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    return render(
        request,
        "exchange/dashboard.html",
        {
            "stats": delivery.peer_stats(actor),
            "dead_count": delivery.dead_letters(actor).count()
            + processing.dead_letters(actor).count(),
            "rejections": rejections.rejection_summary(since=rejections.last_day(clock.now())),
            "incoming": traffic.incoming_stats(actor),
            "refused_by_peers": traffic.refused_by_peers(actor),
            "failures": traffic.processing_failures(actor),
        },
    )


@require_GET
@actor_required(Action.EXCHANGE_MANAGE)
def dead_letters(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    page = Paginator(delivery.dead_letters(actor), 50).get_page(request.GET.get("page"))
    received = processing.dead_letters(actor)[:50]
    peers = processing.dead_letter_peers(actor)
    return render(
        request,
        "exchange/dead_letters.html",
        {"page": page, "query": "", "received": received, "peers": peers},
    )


def _selected_ids(values: list[str]) -> list[uuid.UUID]:
    chosen = []
    for value in values:
        try:
            chosen.append(uuid.UUID(value))
        except ValueError:
            continue
    return chosen


@require_POST
@actor_required(Action.EXCHANGE_MANAGE)
def dead_letters_retry(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Retry in bulk: the rows ticked (``message_id``), or all of one node (``peer``)."""
    actor = request.actor
    selected = _selected_ids(request.POST.getlist("message_id"))
    peer = request.POST.get("peer", "")
    if request.POST.get("scope") == "selected":
        if not selected:
            messages.error(request, _("Select the packages to queue again."))
            return redirect("exchange_dashboard:dead_letters")
        result = processing.retry_dead_letters(actor=actor, message_ids=selected)
    else:
        peer_id = int(peer) if peer.isdigit() else None
        result = processing.retry_dead_letters(actor=actor, peer_id=peer_id)
    messages.success(
        request,
        _("%(retried)d packages queued again, %(skipped)d left (their node is not active).")
        % {"retried": result.retried, "skipped": result.skipped},
    )
    return redirect("exchange_dashboard:dead_letters")


@require_POST
@actor_required(Action.EXCHANGE_MANAGE)
def dead_letter_retry(request: AuthenticatedHttpRequest, message_id: uuid.UUID) -> HttpResponse:
    actor = request.actor
    try:
        retried = processing.retry_any_dead_letter(actor=actor, message_id=message_id)
    except DomainError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The package is handed to its handler again on the worker's next pass.")
            if isinstance(retried, InboxMessage)
            else _("The package is queued again; the worker sends it next."),
        )
    return redirect("exchange_dashboard:dead_letters")
