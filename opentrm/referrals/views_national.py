"""Referral screens: the inbox and outbox, referring a case within the country, the referral
page and its steps (acknowledge, accept, decline, withdraw).

Views are thin: the action gate (``actor_required``), the referral through ``access_referral``
(404 for referrals of other organisations) or the case through ``access_case``, the side
(403 when the actor's organisation is not the side that takes this step), then the services.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import selectors as case_selectors
from opentrm.cases.access import access_case, case_permissions, require_widening
from opentrm.cases.models import CaseParticipant
from opentrm.core.forms import add_precheck_errors, add_service_errors, edited, raise_errors
from opentrm.core.views import action_view, form_view
from opentrm.directory.models import Organisation
from opentrm.referrals import selectors, states
from opentrm.referrals.access import access_referral, is_receiver, is_sender
from opentrm.referrals.forms_national import (
    NationalReferralForm,
    ReasonForm,
    SharingForm,
    StepForm,
)
from opentrm.referrals.models import Referral, ReferralKind, ReferralStatus, Urgency
from opentrm.referrals.services import feedback, national, priority, sharing
from opentrm.referrals.services.exchange_status import referral_packages
from opentrm.referrals.services.national_checks import send_errors
from opentrm.referrals.views_import import import_context
from opentrm.referrals.views_requests import request_context
from opentrm.referrals.views_template import template_context

PAGE_SIZE = 50


def _detail_url(referral: Referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.public_id])


# --- inbox and outbox ----------------------------------------------------------------------------


@require_http_methods(["GET"])
@actor_required(Action.CASE_VIEW)
def referral_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    filters = selectors.Filters.parse(
        box=request.GET.get("box", ""),
        status=request.GET.get("status", ""),
        kind=request.GET.get("kind", ""),
        urgency=request.GET.get("urgency", ""),
        overdue=request.GET.get("overdue", ""),
        case=request.GET.get("case", ""),
    )
    page = Paginator(selectors.referral_list(actor, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    referrals: list[Referral] = list(page)
    counts = selectors.status_counts(actor, filters)
    selectors.referrals_listed(actor=actor, box=filters.box, referrals=referrals, via="web")
    return render(
        request,
        "referrals/referral_list.html",
        {
            "page": page,
            "rows": [(referral, national.is_overdue(referral)) for referral in referrals],
            # The priority marker of a child's case (SOP-T4, REC-102): "child · priority" in
            # the outbox, whose sender owns the case; "priority" alone in the inbox, where the
            # age is identity data the receiver may not see yet (services.priority).
            "priority": priority.priority_ids(referrals, timezone.localdate()),
            "filters": filters,
            "boxes": [
                (selectors.Box.INBOX.value, _("Inbox")),
                (selectors.Box.OUTBOX.value, _("Outbox")),
            ],
            "status_counts": [
                (value, label, counts.get(value, 0))
                for value, label in ReferralStatus.choices
                if counts.get(value)
            ],
            "total": sum(counts.values()),
            "statuses": ReferralStatus.choices,
            "kinds": ReferralKind.choices,
            "urgencies": Urgency.choices,
            "query": filters.query(),
        },
    )


# --- referring a case ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required(Action.REFERRAL_SEND)
def referral_create(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """Refer a case within the country: pick the receiver and the details, see what the
    receiver will see (the preview), then send."""
    actor = request.actor
    case = access_case(actor, public_id)
    # Only the owner refers its case (a participant does not refer it onward); audited.
    require_widening(can(actor, Action.REFERRAL_SEND, case), actor, case, action="referral.send")
    sender = request.membership.organisation
    data = request.POST.copy() if request.method == "POST" else None
    form = NationalReferralForm(data, sender=sender)
    preview: national.Preview | None = None
    offer: dict[str, object] | None = None
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        try:
            if "send" in data and form.was_previewed():
                referral = national.referral_send_national(
                    actor=actor,
                    case=case,
                    receiver=cleaned["receiver"],
                    reason=cleaned["reason"],
                    urgency=cleaned["urgency"],
                    measure_code=cleaned["measure_code"],
                    service_type=cleaned["service_type"],
                    needs=cleaned["needs"],
                )
            else:  # every mistake before the preview, not one more on sending
                raise_errors(_send_errors(sender, cleaned))
                receiver = cleaned["receiver"]
                preview = national.preview(case, receiver)
                offer = national.offer_labels(
                    national.offer_for(
                        case,
                        shows_person=national.preview_shows_person(actor, case),
                        reference=_("(given when sent)"),
                        needs=cleaned["needs"],
                        urgency=cleaned["urgency"],
                        measure_code=cleaned["measure_code"],
                        service_type=cleaned["service_type"],
                        reason=cleaned["reason"],
                    )
                )
                data["previewed"] = str(receiver.pk)
                form = NationalReferralForm(data, sender=sender)
                form.is_valid()
                case_selectors.case_read(
                    actor=actor,
                    case=case,
                    via="web",
                    groups=[FieldGroup.IDENTITY.value],
                    view="referral_preview",
                )
        except ValidationError as error:
            add_service_errors(form, error)
            preview = None
        else:
            if preview is None:
                messages.success(
                    request,
                    _("Referral %(reference)s was sent.") % {"reference": referral.reference},
                )
                return redirect(_detail_url(referral))
    elif data is not None:  # the service's checks too, with the form's own (issue 12 §5)
        add_precheck_errors(form, lambda: raise_errors(_send_errors(sender, form.cleaned_data)))
    return render(
        request,
        "referrals/referral_form.html",
        {
            "form": form,
            "case": case,
            "perms": case_permissions(actor, case),
            "preview": preview,
            "offer": offer,
            "groups": [(g, national.group_label(g)) for g in preview.groups] if preview else [],
            "withheld": [national.group_label(g) for g in preview.withheld] if preview else [],
        },
    )


def _send_errors(sender: Organisation, cleaned: Mapping[str, Any]) -> dict[str, list[str]]:
    return send_errors(
        sender=sender,
        receiver=cleaned.get("receiver"),
        reason=cleaned.get("reason") or "",
        urgency=cleaned.get("urgency") or Urgency.ROUTINE,
        measure_code=cleaned.get("measure_code") or "",
        service_type=cleaned.get("service_type") or "",
        needs=cleaned.get("needs") or (),
    )


# --- the referral page ---------------------------------------------------------------------------


def referral_page_context(actor: Actor, referral: Referral) -> dict[str, Any]:
    """What the referral page shows the actor: the minimal offer always; the case and what is
    shared only to the sender, and to the receiver while it takes part in the case."""
    sender_side = is_sender(actor, referral)
    receiver_side = is_receiver(actor, referral)
    case = referral.case
    on_case = False
    if case is not None and case.deleted_at is None:
        on_case = CaseParticipant.objects.filter(
            case=case, organisation_id=actor.organisation_id or 0, is_active=True
        ).exists()
    shared_now: list[str] = []
    missing: list[str] = []
    if case is not None and referral.kind == ReferralKind.NATIONAL:
        gate = national.preview(case, referral.receiver_organisation)
        shared_now = [national.group_label(g) for g in gate.groups]
        if sender_side:
            missing = gate.missing
    return {
        "referral": referral,
        "offer": national.offer_labels(
            national.minimal_offer(
                referral,
                shows_person=national.offer_shows_person(actor, referral, on_case=on_case),
            )
        ),
        "is_sender": sender_side,
        "is_receiver": receiver_side,
        "shows_case": on_case,
        "overdue": national.is_overdue(referral),
        "feedback_overdue": feedback.feedback_overdue(referral),
        "events": list(referral.events.select_related("by", "organisation")),
        "actions": national.actions_for(actor, referral),
        "shared_at_sending": [national.group_label(g) for g in referral.shared_groups],
        "shared_now": shared_now,
        "missing": missing,
        "reason_form": ReasonForm(initial={"version": referral.version}),
        "may_share": can(actor, Action.REFERRAL_SHARE, referral),
        "referral_final": referral.status in states.FINAL,
        "exchange_packages": referral_packages(referral) if sender_side or receiver_side else [],
    }


@require_http_methods(["GET"])
@actor_required(Action.CASE_VIEW)
def referral_detail(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    referral = selectors.referral_detail(actor=actor, public_id=public_id, via="web")
    return render(
        request,
        "referrals/referral_detail.html",
        {
            **referral_page_context(actor, referral),
            **template_context(actor, referral),
            **request_context(actor, referral),
            **import_context(actor, referral),
        },
    )


# --- the steps -----------------------------------------------------------------------------------


def _receiver_referral(actor: Actor, public_id: str) -> Referral:
    referral = access_referral(actor, public_id)
    if not can(actor, Action.REFERRAL_RESPOND, referral):
        raise PermissionDenied
    return referral


def _sender_referral(actor: Actor, public_id: str) -> Referral:
    referral = access_referral(actor, public_id)
    if not can(actor, Action.REFERRAL_WITHDRAW, referral):
        raise PermissionDenied
    return referral


def _simple_step(request: AuthenticatedHttpRequest, public_id: str, which: str) -> HttpResponse:
    actor = request.actor
    referral = _receiver_referral(actor, public_id)
    form = StepForm(request.POST)
    service = national.referral_acknowledge if which == "acknowledge" else national.referral_accept
    return action_view(
        request,
        form,
        save=lambda: service(
            actor=actor, referral=referral, expected_version=form.cleaned_data["version"]
        ),
        success=_("You acknowledged the referral.")
        if which == "acknowledge"
        else _("You accepted the referral."),
        done=_detail_url(referral),
    )


@require_http_methods(["POST"])
@actor_required(Action.REFERRAL_RESPOND)
def referral_acknowledge(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    return _simple_step(request, public_id, "acknowledge")


@require_http_methods(["POST"])
@actor_required(Action.REFERRAL_RESPOND)
def referral_accept(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    return _simple_step(request, public_id, "accept")


def _reason_step(
    request: HttpRequest, referral: Referral, actor: Actor, which: str
) -> HttpResponse:
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        initial={"version": referral.version},
    )
    service = national.referral_decline if which == "decline" else national.referral_withdraw
    titles = {"decline": _("Decline the referral"), "withdraw": _("Withdraw the referral")}
    return form_view(
        request,
        form,
        save=lambda: service(
            actor=actor,
            referral=referral,
            **edited(form, "reason"),
        ),
        success=_("You declined the referral.")
        if which == "decline"
        else _("You withdrew the referral."),
        done=_detail_url(referral),
        template="referrals/referral_reason.html",
        context={"referral": referral, "title": titles[which], "which": which},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.REFERRAL_RESPOND)
def referral_decline(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    return _reason_step(request, _receiver_referral(actor, public_id), actor, "decline")


@require_http_methods(["GET", "POST"])
@actor_required(Action.REFERRAL_SEND)
def referral_withdraw(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    return _reason_step(request, _sender_referral(actor, public_id), actor, "withdraw")


# --- sharing more (or less) later ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required(Action.REFERRAL_SEND)
def referral_sharing(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """The case owner changes what the receiver of an accepted referral is shared."""
    actor = request.actor
    referral = access_referral(actor, public_id)
    if not can(actor, Action.REFERRAL_SHARE, referral):
        raise PermissionDenied
    choice = sharing.sharing_choice(referral)
    offered = sorted(choice.allowed | choice.current)
    form = SharingForm(
        request.POST or None,
        choices=[(g.value, national.group_label(g)) for g in offered],
        initial={"version": referral.version, "groups": sorted(g.value for g in choice.current)},
    )
    return form_view(
        request,
        form,
        save=lambda: sharing.referral_sharing_change(
            actor=actor,
            referral=referral,
            **edited(form, "groups"),
        ),
        success=_("What the receiver is shared was changed; it sees the change at once."),
        done=_detail_url(referral),
        template="referrals/referral_sharing.html",
        context={
            "referral": referral,
            "title": _("Change what is shared"),
            "current": [national.group_label(g) for g in sorted(choice.current)],
            "missing": choice.missing,
        },
        refused_status=422,
    )
