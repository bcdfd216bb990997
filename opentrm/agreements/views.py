"""The agreements register's pages. Thin: the action gate, ``access_agreement`` (404 for
agreements of others, 403 for viewers who may not change them), then a service."""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
from opentrm.agreements.models import Agreement, AgreementParty
from opentrm.agreements.presentation import version_view
from opentrm.core.forms import cleaned, edited, raise_errors
from opentrm.core.pdf import PdfUnavailableError
from opentrm.core.views import form_view


def _detail_url(agreement: Agreement, anchor: str = "") -> str:
    url = reverse("agreements:agreement_detail", args=[agreement.pk])
    return url + (f"#{anchor}" if anchor else "")


def _detail(agreement: Agreement, anchor: str = "") -> HttpResponse:
    return redirect(_detail_url(agreement, anchor))


_Page = tuple[forms.BaseForm, Callable[[], object]]
_Build = Callable[..., _Page]


def _agreement_form_page(
    title: str | Promise | Callable[..., str],
    success: str | Promise,
    *,
    anchor: str = "",
    destructive: bool = False,
) -> Callable[[_Build], Callable[..., HttpResponse]]:
    """A form on an agreement its viewer may change, on the shared page with its ``title`` (a
    text, or a function of the agreement and the URL's other ids). The decorated function gets
    the request, the agreement and those ids, and gives the form and the service call that
    saves it; after a save the agreement page opens at ``anchor`` with the ``success``
    message."""

    def decorator(build: _Build) -> Callable[..., HttpResponse]:
        @require_http_methods(["GET", "POST"])
        @actor_required(Action.AGREEMENT_EDIT)
        @wraps(build)
        def view(request: AuthenticatedHttpRequest, agreement_id: int, **ids: int) -> HttpResponse:
            agreement = access_agreement(request.actor, agreement_id, action="edit")
            form, save = build(request, agreement, **ids)
            extra = {"destructive": True} if destructive else {}
            return form_view(
                request,
                form,
                save=save,
                success=str(success),
                done=_detail_url(agreement, anchor),
                template="agreements/agreement_form_page.html",
                context={
                    "agreement": agreement,
                    "title": title(agreement, **ids) if callable(title) else str(title),
                    **extra,
                },
            )

        return view

    return decorator


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
        precheck=lambda: raise_errors(
            services.agreement_errors(agreement=None, values=form.cleaned_data)
        ),
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
        precheck=lambda: raise_errors(
            services.agreement_errors(agreement=agreement, values=form.cleaned_data)
        ),
    )


@_agreement_form_page(
    gettext_lazy("Add a party"), gettext_lazy("The party was added."), anchor="parties"
)
def party_add(request: AuthenticatedHttpRequest, agreement: Agreement) -> _Page:
    form = PartyAddForm(request.POST or None)
    return form, lambda: services.party_add(
        actor=request.actor,
        agreement=agreement,
        **cleaned(form, "organisation", "procedures", "measures", "responsibilities"),
    )


def _draft_party(agreement: Agreement, party_id: int) -> AgreementParty:
    party = next(
        (p for p in states.latest_version(agreement).parties.all() if p.pk == party_id), None
    )
    if party is None:  # a party of an earlier version, or of another agreement
        raise Http404
    return party


@_agreement_form_page(
    lambda agreement, party_id: (
        _("Responsibilities of %(party)s")
        % {"party": _draft_party(agreement, party_id).organisation.name}
    ),
    gettext_lazy("The responsibilities were saved."),
    anchor="parties",
)
def party_edit(request: AuthenticatedHttpRequest, agreement: Agreement, party_id: int) -> _Page:
    party = _draft_party(agreement, party_id)
    fields = ("procedures", "measures", "responsibilities")
    form = PartyEditForm(
        request.POST or None, initial={name: getattr(party, name) for name in fields}
    )
    return form, lambda: services.party_update(
        actor=request.actor, agreement=agreement, party_id=party_id, **cleaned(form, *fields)
    )


@_agreement_form_page(
    gettext_lazy("Data that may flow between parties"),
    gettext_lazy("The data flow was saved."),
    anchor="flows",
)
def flow_edit(request: AuthenticatedHttpRequest, agreement: Agreement) -> _Page:
    form = FlowForm(request.POST or None, version=states.latest_version(agreement))
    return form, lambda: services.flow_set(
        actor=request.actor,
        agreement=agreement,
        sender_id=form.cleaned_data["sender"],
        receiver_id=form.cleaned_data["receiver"],
        categories=form.cleaned_data["categories"],
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


@_agreement_form_page(
    gettext_lazy("Record a signature"),
    gettext_lazy("The signature was recorded."),
    anchor="signatures",
)
def signature_record(request: AuthenticatedHttpRequest, agreement: Agreement) -> _Page:
    form = SignatureForm(
        request.POST or None,
        version=states.latest_version(agreement),
        own_organisation_id=request.actor.organisation_id,
    )
    return form, lambda: services.signature_record(
        actor=request.actor,
        agreement=agreement,
        version_number=form.cleaned_data["version"],
        organisation_id=form.cleaned_data["party"],
        **cleaned(form, "signed_on", "signed_by", "kind"),
    )


@_agreement_form_page(
    gettext_lazy("Draft an amendment"),
    gettext_lazy(
        "The amendment was drafted. The signed version stays in force until every "
        "party has signed the amendment."
    ),
)
def agreement_amend(request: AuthenticatedHttpRequest, agreement: Agreement) -> _Page:
    form = AmendForm(request.POST or None)
    return form, lambda: services.agreement_amend(
        actor=request.actor, agreement=agreement, note=form.cleaned_data["note"]
    )


@_agreement_form_page(
    gettext_lazy("Terminate the agreement"),
    gettext_lazy("The termination was recorded."),
    destructive=True,
)
def agreement_terminate(request: AuthenticatedHttpRequest, agreement: Agreement) -> _Page:
    form = TerminateForm(request.POST or None, initial={"version": agreement.version})
    return form, lambda: services.agreement_terminate(
        actor=request.actor,
        agreement=agreement,
        **edited(form, "terminated_on", "reason"),
    )


@_agreement_form_page(
    gettext_lazy("Schedule a meeting"),
    gettext_lazy("The meeting was scheduled."),
    anchor="meetings",
)
def meeting_add(request: AuthenticatedHttpRequest, agreement: Agreement) -> _Page:
    form = MeetingForm(request.POST or None)
    return form, lambda: services.meeting_schedule(
        actor=request.actor, agreement=agreement, **cleaned(form, "held_on", "subject")
    )


@_agreement_form_page(
    gettext_lazy("Cancel a meeting"),
    gettext_lazy("The meeting was cancelled."),
    anchor="meetings",
    destructive=True,
)
def meeting_cancel(
    request: AuthenticatedHttpRequest, agreement: Agreement, meeting_id: int
) -> _Page:
    form = MeetingCancelForm(request.POST or None)
    return form, lambda: services.meeting_cancel(
        actor=request.actor,
        agreement=agreement,
        meeting_id=meeting_id,
        reason=form.cleaned_data["reason"],
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
