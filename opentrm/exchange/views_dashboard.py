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
from opentrm.exchange.services import delivery, processing, rejections


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
        },
    )


@require_GET
@actor_required(Action.EXCHANGE_MANAGE)
def dead_letters(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    page = Paginator(delivery.dead_letters(actor), 50).get_page(request.GET.get("page"))
    received = processing.dead_letters(actor)[:50]
    return render(
        request, "exchange/dead_letters.html", {"page": page, "query": "", "received": received}
    )


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
