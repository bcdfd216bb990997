"""The agreements register's pages. Thin: the action gate, ``access_agreement`` (404 for
agreements of others, 403 for viewers who may not change them), then a service."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, can
from opentrm.agreements import documents, selectors, services, states
from opentrm.agreements.access import access_agreement
from opentrm.agreements.forms import (
    AgreementFilterForm,
    AgreementForm,
    AmendForm,
    FlowApproveForm,
    FlowForm,
    MeetingCancelForm,
    MeetingForm,
    PartyAddForm,
    PartyEditForm,
    SignatureForm,
    TerminateForm,
)
from opentrm.agreements.models import Agreement
from opentrm.agreements.presentation import version_view
from opentrm.core.pdf import PdfUnavailableError
from opentrm.core.views import form_view


def _detail_url(agreement: Agreement, anchor: str = "") -> str:
    url = reverse("agreements:agreement_detail", args=[agreement.pk])
    return url + (f"#{anchor}" if anchor else "")


def _detail(agreement: Agreement, anchor: str = "") -> HttpResponse:
    return redirect(_detail_url(agreement, anchor))


def _form_page(
    request: HttpRequest,
    agreement: Agreement,
    form: Any,
    title: str,
    *,
    save: Callable[[], object],
    success: str,
    done: str,
    **extra: Any,
) -> HttpResponse:
    """A form on the agreement: the shared page, with its title."""
    return form_view(
        request,
        form,
        save=save,
        success=success,
        done=done,
        template="agreements/agreement_form_page.html",
        context={"agreement": agreement, "title": title, **extra},
    )


@require_http_methods(["GET"])
@actor_required(Action.AGREEMENT_VIEW)
def agreement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    today = timezone.localdate()
    visible = selectors.agreement_list(actor=actor, on=today)
    parties = sorted(
        {
            (party.organisation_id, party.organisation.name)
            for agreement, _summary in visible
            for version in agreement.versions.all()
            for party in version.parties.all()
        },
        key=lambda item: item[1],
    )
    form = AgreementFilterForm(request.GET or None, parties=parties)
    rows = visible
    if form.is_valid():
        rows = selectors.agreement_list(
            actor=actor,
            on=today,
            status=form.cleaned_data["status"],
            agreement_type=form.cleaned_data["type"],
            party_id=form.cleaned_data["party"],
        )
    return render(request, "agreements/agreement_list.html", {"rows": rows, "form": form})


@require_http_methods(["GET", "POST"])
@actor_required(Action.AGREEMENT_EDIT)
def agreement_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    form = AgreementForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: services.agreement_create(
            actor=actor, **form.header(), content=form.content()
        ),
        success=_("The draft agreement was registered."),
        done=_detail,
        template="agreements/agreement_edit.html",
        context={"agreement": None},
    )


@require_http_methods(["GET"])
@actor_required(Action.AGREEMENT_VIEW)
def agreement_detail(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    actor = request.actor
    agreement = access_agreement(actor, agreement_id)
    today = timezone.localdate()
    summary = states.summary(agreement, today)
    may_edit = can(actor, Action.AGREEMENT_EDIT, agreement)
    versions = [version_view(version) for version in reversed(states.versions_of(agreement))]
    own_party = next(
        (
            party
            for party in summary.latest.parties.all()
            if actor.organisation_id is not None and party.organisation_id == actor.organisation_id
        ),
        None,
    )
    may_sign = (
        may_edit
        and own_party is not None
        and actor.may_sign_for(own_party.organisation_id)
        and states.signature_of(own_party) is None
        and not agreement.terminated_on
    )
    approvable = {
        f.flow.pk
        for view in versions
        for f in view.flows
        if f.pending and actor.may_approve_flows_from(f.flow.sender.organisation_id)
    }
    return render(
        request,
        "agreements/agreement_detail.html",
        {
            "agreement": agreement,
            "summary": summary,
            "versions": versions,
            "current": versions[0],
            "may_edit": may_edit,
            "may_sign": may_sign,
            "approvable": approvable if may_edit and not agreement.terminated_on else set(),
            "draft_editable": may_edit and summary.editable,
            "meetings": list(agreement.meetings.all()),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.AGREEMENT_EDIT)
def agreement_edit(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    actor = request.actor
    agreement = access_agreement(actor, agreement_id, action="edit")
    draft = states.latest_version(agreement)
    form = AgreementForm(request.POST or None, agreement=agreement, draft=draft)
    return form_view(
        request,
        form,
        save=lambda: services.agreement_update(
            actor=actor,
            agreement=agreement,
            expected_version=form.cleaned_data["version"],
            changes=form.header() | form.content(),
        ),
        success=_("The draft was saved."),
        done=lambda _result: _detail(agreement),
        template="agreements/agreement_edit.html",
        context={"agreement": agreement},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.AGREEMENT_EDIT)
def party_add(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    actor = request.actor
    agreement = access_agreement(actor, agreement_id, action="edit")
    form = PartyAddForm(request.POST or None)
    return _form_page(
        request,
        agreement,
        form,
        _("Add a party"),
        save=lambda: services.party_add(
            actor=actor,
            agreement=agreement,
            organisation=form.cleaned_data["organisation"],
            procedures=form.cleaned_data["procedures"],
            measures=form.cleaned_data["measures"],
            responsibilities=form.cleaned_data["responsibilities"],
        ),
        success=_("The party was added."),
        done=_detail_url(agreement, "parties"),
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.AGREEMENT_EDIT)
def party_edit(request: AuthenticatedHttpRequest, agreement_id: int, party_id: int) -> HttpResponse:
    actor = request.actor
    agreement = access_agreement(actor, agreement_id, action="edit")
    draft = states.latest_version(agreement)
    party = next((p for p in draft.parties.all() if p.pk == party_id), None)
    if party is None:  # a party of an earlier version, or of another agreement
        raise Http404
    initial = {
        "procedures": party.procedures,
        "measures": party.measures,
        "responsibilities": party.responsibilities,
    }
    form = PartyEditForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        agreement,
        form,
        _("Responsibilities of %(party)s") % {"party": party.organisation.name},
        save=lambda: services.party_update(
            actor=actor,
            agreement=agreement,
            party_id=party_id,
            procedures=form.cleaned_data["procedures"],
            measures=form.cleaned_data["measures"],
            responsibilities=form.cleaned_data["responsibilities"],
        ),
        success=_("The responsibilities were saved."),
        done=_detail_url(agreement, "parties"),
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.AGREEMENT_EDIT)
def flow_edit(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    actor = request.actor
    agreement = access_agreement(actor, agreement_id, action="edit")
    form = FlowForm(request.POST or None, version=states.latest_version(agreement))
    return _form_page(
        request,
        agreement,
        form,
        _("Data that may flow between parties"),
        save=lambda: services.flow_set(
            actor=actor,
            agreement=agreement,
            sender_id=form.cleaned_data["sender"],
            receiver_id=form.cleaned_data["receiver"],
            categories=form.cleaned_data["categories"],
        ),
        success=_("The data flow was saved."),
        done=_detail_url(agreement, "flows"),
    )


@require_http_methods(["POST"])
@actor_required(Action.AGREEMENT_EDIT)
def flow_approve(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    """The sender organisation approves a flow out of it (a button on the agreement page)."""
    actor = request.actor
    agreement = access_agreement(actor, agreement_id, action="edit")
    form = FlowApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The approval was not understood. Reload the page."))
        return _detail(agreement, "flows")
    try:
        services.flow_approve(
            actor=actor,
            agreement=agreement,
            version_number=form.cleaned_data["version"],
            sender_id=form.cleaned_data["sender"],
            receiver_id=form.cleaned_data["receiver"],
            categories=form.seen(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The data flow was approved."))
    return _detail(agreement, "flows")


@require_http_methods(["GET", "POST"])
@actor_required(Action.AGREEMENT_EDIT)
def signature_record(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    actor = request.actor
    agreement = access_agreement(actor, agreement_id, action="edit")
    form = SignatureForm(
        request.POST or None,
        version=states.latest_version(agreement),
        own_organisation_id=actor.organisation_id,
    )
    return _form_page(
        request,
        agreement,
        form,
        _("Record a signature"),
        save=lambda: services.signature_record(
            actor=actor,
            agreement=agreement,
            version_number=form.cleaned_data["version"],
            organisation_id=form.cleaned_data["party"],
            signed_on=form.cleaned_data["signed_on"],
            signed_by=form.cleaned_data["signed_by"],
            kind=form.cleaned_data["kind"],
        ),
        success=_("The signature was recorded."),
        done=_detail_url(agreement, "signatures"),
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.AGREEMENT_EDIT)
def agreement_amend(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    actor = request.actor
    agreement = access_agreement(actor, agreement_id, action="edit")
    form = AmendForm(request.POST or None)
    return _form_page(
        request,
        agreement,
        form,
        _("Draft an amendment"),
        save=lambda: services.agreement_amend(
            actor=actor, agreement=agreement, note=form.cleaned_data["note"]
        ),
        success=_(
            "The amendment was drafted. The signed version stays in force until every "
            "party has signed the amendment."
        ),
        done=_detail_url(agreement),
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.AGREEMENT_EDIT)
def agreement_terminate(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    actor = request.actor
    agreement = access_agreement(actor, agreement_id, action="edit")
    form = TerminateForm(request.POST or None, initial={"version": agreement.version})
    return _form_page(
        request,
        agreement,
        form,
        _("Terminate the agreement"),
        save=lambda: services.agreement_terminate(
            actor=actor,
            agreement=agreement,
            expected_version=form.cleaned_data["version"],
            terminated_on=form.cleaned_data["terminated_on"],
            reason=form.cleaned_data["reason"],
        ),
        success=_("The termination was recorded."),
        done=_detail_url(agreement),
        destructive=True,
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.AGREEMENT_EDIT)
def meeting_add(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    actor = request.actor
    agreement = access_agreement(actor, agreement_id, action="edit")
    form = MeetingForm(request.POST or None)
    return _form_page(
        request,
        agreement,
        form,
        _("Schedule a meeting"),
        save=lambda: services.meeting_schedule(
            actor=actor,
            agreement=agreement,
            held_on=form.cleaned_data["held_on"],
            subject=form.cleaned_data["subject"],
        ),
        success=_("The meeting was scheduled."),
        done=_detail_url(agreement, "meetings"),
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.AGREEMENT_EDIT)
def meeting_cancel(
    request: AuthenticatedHttpRequest, agreement_id: int, meeting_id: int
) -> HttpResponse:
    actor = request.actor
    agreement = access_agreement(actor, agreement_id, action="edit")
    form = MeetingCancelForm(request.POST or None)
    return _form_page(
        request,
        agreement,
        form,
        _("Cancel a meeting"),
        save=lambda: services.meeting_cancel(
            actor=actor,
            agreement=agreement,
            meeting_id=meeting_id,
            reason=form.cleaned_data["reason"],
        ),
        success=_("The meeting was cancelled."),
        done=_detail_url(agreement, "meetings"),
        destructive=True,
    )


@require_http_methods(["GET"])
@actor_required(Action.AGREEMENT_VIEW)
def agreement_pdf(request: AuthenticatedHttpRequest, agreement_id: int) -> HttpResponse:
    actor = request.actor
    agreement = access_agreement(actor, agreement_id)
    number = request.GET.get("version", "")
    try:
        content = documents.agreement_pdf(
            actor=actor, agreement=agreement, number=int(number) if number.isdigit() else None
        )
    except PdfUnavailableError as error:
        messages.error(request, error.message)
        return _detail(agreement)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="agreement-{agreement.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
