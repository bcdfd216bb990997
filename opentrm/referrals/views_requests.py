"""Transnational requests, forwarding by the focal point, exports for countries not on
OpenTRM, and the country's referral settings (issue 4 §4, §7-§9).

Views are thin: the action gate, the referral or case through ``access_*`` (404 when not
the actor's), the side check (403), then the services.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases.access import require_widening
from opentrm.cases.models import Case
from opentrm.cases.views_common import case_view
from opentrm.core.forms import cleaned, edited, raise_errors
from opentrm.core.views import action_view, form_view
from opentrm.referrals import selectors
from opentrm.referrals import views_escalation as escalation
from opentrm.referrals.access import access_referral, is_receiver, is_sender
from opentrm.referrals.forms_requests import (
    AnswerForm,
    CalendarForm,
    ConfidentialForm,
    DispatchForm,
    ExportForm,
    ForwardForm,
    ReasonForm,
    RequestCreateForm,
    SendForm,
    TimeLimitForm,
    VersionForm,
)
from opentrm.referrals.models import (
    ExternalDispatch,
    Referral,
    ReferralKind,
    ReferralStatus,
    TimeUnit,
)
from opentrm.referrals.services import confidentiality, forwarding, national, requests, timelines
from opentrm.referrals.services import export as export_service
from opentrm.referrals.services import settings as settings_service

S = ReferralStatus


def _detail_url(referral: Referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.public_id]) + "#request"


# --- The section on the referral page -------------------------------------------------------------


@dataclass
class RequestSection:
    """What the referral page shows of the request, the forwarding and the export."""

    is_request: bool
    is_sender: bool
    is_receiver: bool
    kind_note: str = ""
    document_label: str = ""
    offer: requests.MinimalOffer | None = None
    values: list[requests.SharedValue] = field(default_factory=list)
    values_hidden_until_acknowledged: bool = False
    preview: requests.GatePreview | None = None
    shared_fields: list[str] = field(default_factory=list)
    withheld_fields: list[str] = field(default_factory=list)
    overdue: bool = False
    actions: list[str] = field(default_factory=list)
    may_forward: bool = False
    forwards: list[Referral] = field(default_factory=list)
    forwarded_from: Referral | None = None
    may_export: bool = False
    dispatches: list[ExternalDispatch] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    escalations: list[Referral] = field(default_factory=list)
    may_escalate: bool = False


def _field_labels(kind: str, groups: frozenset[FieldGroup]) -> tuple[list[str], list[str]]:
    shared: list[str] = []
    withheld: list[str] = []
    for code in requests.KIND_FIELDS.get(kind, ()):
        spec = requests.FIELDS[code]
        (shared if spec.group in groups else withheld).append(str(spec.label))
    return shared, withheld


def request_actions(actor: Actor, referral: Referral) -> list[str]:
    """The request steps the actor may take now."""
    if not requests.is_request(referral):
        return []
    found = []
    if is_sender(actor, referral) and actor.may(Action.REFERRAL_SEND):
        if referral.status == S.DRAFT:
            found.append("send")
        if referral.status in (S.DRAFT, S.SENT, S.ACKNOWLEDGED):
            found.append("withdraw")
        if referral.status == S.ANSWERED:
            found.append("close")
    if is_receiver(actor, referral) and actor.may(Action.REFERRAL_RESPOND):
        if referral.status == S.SENT:
            found.append("acknowledge")
        if referral.status in (S.SENT, S.ACKNOWLEDGED):
            found += ["answer", "decline"]
    return found


def request_context(actor: Actor, referral: Referral) -> dict[str, Any]:
    """The referral page's section for requests, forwarding and exports (a fixed number of
    queries). A receiver is shown the person's fields only once it acknowledged, and only
    those the gate allows today; that reading is audited with the groups shown."""
    sender, receiver = is_sender(actor, referral), is_receiver(actor, referral)
    section = RequestSection(
        is_request=requests.is_request(referral), is_sender=sender, is_receiver=receiver
    )
    if referral.forwarded_from_id is not None and receiver:
        section.forwarded_from = referral.forwarded_from
    if sender:
        section.forwards = list(
            referral.forwards.select_related("receiver_organisation").order_by("pk")
        )
        section.may_export = can(actor, Action.REFERRAL_EXPORT, referral)
        section.dispatches = list(referral.dispatches.select_related("recorded_by"))
    section.may_forward = can(actor, Action.REFERRAL_FORWARD, referral)
    if section.is_request:
        section.kind_note = str(requests.KIND_NOTES.get(referral.kind, ""))
        if referral.document_type:
            section.document_label = str(
                requests.RequestedDocument(referral.document_type).label
                if referral.document_type in requests.RequestedDocument.values
                else referral.document_type
            )
        section.offer = requests.minimal_offer(
            referral,
            shows_person=national.offer_shows_person(actor, referral, on_case=sender),
        )
        section.overdue = timelines.is_overdue(referral)
        section.actions = request_actions(actor, referral)
        escalation.add_to_section(section, actor, referral)
        if sender and referral.case is not None:
            if referral.status == S.DRAFT:
                section.preview = requests.gate_preview(actor, referral)
                groups = section.preview.groups
            else:
                groups = requests.effective_groups(referral)
            section.shared_fields, section.withheld_fields = _field_labels(referral.kind, groups)
        elif receiver and referral.case is not None:
            groups = requests.receiver_groups(actor, referral)
            section.values_hidden_until_acknowledged = referral.status == S.SENT
            section.values = selectors.request_values(
                actor=actor, referral=referral, groups=groups, via="web"
            )
    if not (
        section.is_request
        or section.may_forward
        or section.forwards
        or section.may_export
        or section.dispatches
        or section.forwarded_from
    ):
        return {"request_section": None}
    return {
        "request_section": section,
        "request_version_form": VersionForm(initial={"version": referral.version}),
        "request_send_form": SendForm(initial={"version": referral.version}),
    }


# --- Creating and sending -----------------------------------------------------------------------


def _create(request: HttpRequest, actor: Actor, case: Any) -> HttpResponse:
    assert actor.country_id is not None
    assert actor.membership is not None
    sender = actor.membership.organisation
    form = RequestCreateForm(
        request.POST or None, own_country_id=actor.country_id, thematic=case is None
    )
    return form_view(
        request,
        form,
        save=lambda: requests.request_create(
            actor=actor,
            case=case,
            **cleaned(
                form,
                "kind",
                "receiver_country",
                "intended",
                "urgency",
                "reason",
                "document_type",
                "formality",
                "legal_basis",
                "channel",
            ),
        ),
        success=_("The request is drafted: check what it shares, then send it."),
        done=lambda referral: redirect(_detail_url(referral)),
        template="referrals/request_form.html",
        context={"case": case},
        precheck=lambda: raise_errors(
            requests.request_errors(sender=sender, case=case, values=form.cleaned_data)
        ),
    )


@case_view("GET", "POST", gate=Action.REFERRAL_SEND)
def request_create_for_case(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    actor = request.actor
    # A request about a person is the owner's to make; a participant is refused (audited).
    require_widening(can(actor, Action.REFERRAL_SEND, case), actor, case, action="referral.send")
    return _create(request, actor, case)


@require_http_methods(["GET", "POST"])
@actor_required(Action.REFERRAL_SEND)
def request_create_thematic(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _create(request, request.actor, None)


def _referral(actor: Actor, public_id: str, *, side: str, requests_only: bool) -> Referral:
    """The referral (404 when not the actor's, or not a request when ``requests_only``) on
    whose ``side`` ("sender" or "receiver") the actor is (403 otherwise)."""
    referral = access_referral(actor, public_id)
    if requests_only and not requests.is_request(referral):
        raise Http404
    if side == "sender" and not is_sender(actor, referral):
        raise PermissionDenied
    if side == "receiver" and not is_receiver(actor, referral):
        raise PermissionDenied
    return referral


ReferralView = Callable[[AuthenticatedHttpRequest, Referral], HttpResponse]


def _referral_view(
    gate: Action,
    side: str,
    *,
    methods: tuple[str, ...] = ("GET", "POST"),
    requests_only: bool = True,
) -> Callable[[ReferralView], Callable[..., HttpResponse]]:
    """A page or button of one referral: the HTTP ``methods``, the role's ``gate``, then the
    referral through ``_referral``. The decorated function gets the request and the referral."""

    def decorator(view: ReferralView) -> Callable[..., HttpResponse]:
        @require_http_methods(list(methods))
        @actor_required(gate)
        @wraps(view)
        def wrapped(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
            referral = _referral(request.actor, public_id, side=side, requests_only=requests_only)
            return view(request, referral)

        return wrapped

    return decorator


@_referral_view(Action.REFERRAL_SEND, "sender", methods=("POST",))
def request_send(request: AuthenticatedHttpRequest, referral: Referral) -> HttpResponse:
    form = SendForm(request.POST)
    return action_view(
        request,
        form,
        save=lambda: requests.request_send(
            actor=request.actor,
            referral=referral,
            **edited(form, "accept_partial"),
        ),
        success=_("The request was sent."),
        done=_detail_url(referral),
    )


def _version_step(
    request: AuthenticatedHttpRequest,
    referral: Referral,
    step: Callable[..., object],
    success: str,
) -> HttpResponse:
    """A step that takes nothing but the version the page showed."""
    form = VersionForm(request.POST)
    return action_view(
        request,
        form,
        save=lambda: step(
            actor=request.actor, referral=referral, expected_version=form.cleaned_data["version"]
        ),
        success=success,
        done=_detail_url(referral),
    )


@_referral_view(Action.REFERRAL_RESPOND, "receiver", methods=("POST",))
def request_acknowledge(request: AuthenticatedHttpRequest, referral: Referral) -> HttpResponse:
    return _version_step(
        request, referral, requests.request_acknowledge, _("You acknowledged the request.")
    )


@_referral_view(Action.REFERRAL_SEND, "sender", methods=("POST",))
def request_close(request: AuthenticatedHttpRequest, referral: Referral) -> HttpResponse:
    return _version_step(request, referral, requests.request_close, _("The request is closed."))


def _text_step(request: AuthenticatedHttpRequest, referral: Referral, which: str) -> HttpResponse:
    actor = request.actor
    form_class = AnswerForm if which == "answer" else ReasonForm
    form = form_class(request.POST or None, initial={"version": referral.version})

    def save() -> None:
        if which == "answer":
            requests.request_answer(actor=actor, referral=referral, **edited(form, "answer"))
        else:
            step = requests.request_decline if which == "decline" else requests.request_withdraw
            step(actor=actor, referral=referral, **edited(form, "reason"))

    titles = {
        "answer": _("Answer the request"),
        "decline": _("Decline the request"),
        "withdraw": _("Withdraw the request"),
    }
    return form_view(
        request,
        form,
        save=save,
        success=_("Saved."),
        done=_detail_url(referral),
        template="referrals/request_step.html",
        context={"referral": referral, "title": titles[which], "which": which},
    )


@_referral_view(Action.REFERRAL_RESPOND, "receiver")
def request_answer(request: AuthenticatedHttpRequest, referral: Referral) -> HttpResponse:
    return _text_step(request, referral, "answer")


@_referral_view(Action.REFERRAL_RESPOND, "receiver")
def request_decline(request: AuthenticatedHttpRequest, referral: Referral) -> HttpResponse:
    return _text_step(request, referral, "decline")


@_referral_view(Action.REFERRAL_SEND, "sender")
def request_withdraw(request: AuthenticatedHttpRequest, referral: Referral) -> HttpResponse:
    return _text_step(request, referral, "withdraw")


# --- Forwarding -----------------------------------------------------------------------------------


@_referral_view(Action.REFERRAL_RESPOND, "receiver", requests_only=False)
def referral_forward(request: AuthenticatedHttpRequest, referral: Referral) -> HttpResponse:
    actor = request.actor
    initial: dict[str, Any] = {"version": referral.version}
    if referral.intended_organisation_id:
        initial["to"] = referral.intended_organisation_id
    form = ForwardForm(
        request.POST or None,
        candidates=forwarding.forward_candidates(referral),
        initial=initial,
    )
    return form_view(
        request,
        form,
        save=lambda: forwarding.referral_forward(
            actor=actor,
            referral=referral,
            **edited(form, "to", "note", "danger_reason"),
        ),
        success=lambda forward: _("Forwarded as %(reference)s.") % {"reference": forward.reference},
        done=_detail_url(referral),
        template="referrals/request_forward.html",
        context={"referral": referral},
        precheck=lambda: raise_errors(forwarding.forward_errors(referral, form.cleaned_data)),
    )


@_referral_view(Action.REFERRAL_SEND, "sender", methods=("POST",), requests_only=False)
def referral_confidential(request: AuthenticatedHttpRequest, referral: Referral) -> HttpResponse:
    """The sender marks the referral confidential, or lifts the mark (SOP-P14)."""
    form = ConfidentialForm(request.POST)
    return action_view(
        request,
        form,
        save=lambda: confidentiality.referral_mark_confidential(
            actor=request.actor,
            referral=referral,
            **edited(form, "confidential"),
        ),
        success=_("The referral's confidentiality was saved."),
        done=_detail_url(referral),
    )


# --- Export for a country not on OpenTRM --------------------------------------------------------


@_referral_view(Action.REFERRAL_SEND, "sender", requests_only=False)
def referral_export(request: AuthenticatedHttpRequest, referral: Referral) -> HttpResponse:
    """The password-protected PDF and the JSON file, in one ZIP download."""
    actor = request.actor
    form = ExportForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: export_service.referral_export(
            actor=actor,
            referral=referral,
            **cleaned(form, "password", "password_again"),
        ),
        done=_download,
        template="referrals/export_form.html",
        context=lambda: {
            "referral": referral,
            "groups": sorted(g.value for g in export_service.export_groups(actor, referral)),
            "exports": export_service.exports_of(referral),
        },
    )


def _download(files: export_service.ExportFiles) -> HttpResponse:
    response = HttpResponse(files.zip(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{files.zip_name}"'
    response["Cache-Control"] = "no-store"
    return response


@_referral_view(Action.REFERRAL_SEND, "sender", requests_only=False)
def dispatch_record(request: AuthenticatedHttpRequest, referral: Referral) -> HttpResponse:
    actor = request.actor
    form = DispatchForm(
        request.POST or None,
        initial={"version": referral.version, "sent_on": timezone.localdate()},
    )
    return form_view(
        request,
        form,
        save=lambda: export_service.dispatch_record(
            actor=actor,
            referral=referral,
            **edited(form, "channel", "sent_on", "note"),
        ),
        success=_("Recorded how the files were sent."),
        done=_detail_url(referral),
        template="referrals/export_dispatch.html",
        context=lambda: {
            "referral": referral,
            "exports": export_service.exports_of(referral)[:1],
        },
    )


# --- The country's settings ---------------------------------------------------------------------


@require_http_methods(["GET"])
@actor_required(Action.CASE_SETTINGS_EDIT)
def settings_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    country = settings_service.settings_country(actor)
    calendar = settings_service.calendar_of(country)
    view = timelines.calendar_from(calendar)
    return render(
        request,
        "referrals/settings_overview.html",
        {
            "country": country,
            "limits": [
                (ReferralKind(limit.kind).label, limit)
                for limit in timelines.all_limits(country.code)
            ],
            "weekend": sorted(view.weekend_days),
            "holidays": sorted(view.holidays),
            "allow_direct_routes": bool(calendar and calendar.allow_direct_routes),
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_SETTINGS_EDIT)
def settings_time_limit(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    actor = request.actor
    country = settings_service.settings_country(actor)
    if kind not in ReferralKind.values:
        raise Http404
    current = timelines.limits_for(country.code, kind)
    form = TimeLimitForm(
        request.POST or None,
        initial={
            "acknowledge_within": current.acknowledge_within,
            "acknowledge_unit": current.acknowledge_unit,
            "answer_within": current.answer_within,
            "answer_unit": current.answer_unit,
        },
    )
    return form_view(
        request,
        form,
        save=lambda: settings_service.time_limit_set(
            actor=actor, country=country, kind=kind, **form.cleaned_data
        ),
        success=_("The time limits were saved."),
        done="referrals:settings_overview",
        template="referrals/settings_time_limit.html",
        context={
            "country": country,
            "kind_label": ReferralKind(kind).label,
            "hours": TimeUnit.HOURS,
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_SETTINGS_EDIT)
def settings_calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    country = settings_service.settings_country(actor)
    calendar = settings_service.calendar_of(country)
    view = timelines.calendar_from(calendar)
    form = CalendarForm(
        request.POST or None,
        initial={
            "version": calendar.version if calendar else 0,
            "weekend_days": sorted(view.weekend_days),
            "holidays": "\n".join(day.isoformat() for day in sorted(view.holidays)),
            "allow_direct_routes": bool(calendar and calendar.allow_direct_routes),
        },
    )

    def save() -> None:
        data = form.cleaned_data
        settings_service.calendar_update(
            actor=actor,
            country=country,
            holidays=settings_service.parse_holidays(data["holidays"].splitlines()),
            **edited(form, "weekend_days", "allow_direct_routes"),
        )

    return form_view(
        request,
        form,
        save=save,
        success=_("The calendar was saved."),
        done="referrals:settings_overview",
        template="referrals/settings_calendar.html",
        context={"country": country},
    )
