"""Case screens: register, consents, delete, the person's data (the case file page itself:
``views_casefile``)."""

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases import selectors, services
from opentrm.cases.access import access_case, editable_groups, require_widening
from opentrm.cases.forms import CaseDeleteForm, CaseRegisterForm, ConsentForm
from opentrm.cases.forms_person import NameFormSet, PersonForm
from opentrm.cases.lookups import access_consent
from opentrm.cases.models import Case, ConsentRecord
from opentrm.cases.services.consent import validate_decision
from opentrm.cases.services.documents import consent_signed_form_attach, files_removed_on_rollback
from opentrm.cases.services.registration import registration_errors
from opentrm.cases.views_common import FormPage, case_form_page, case_view
from opentrm.core.forms import cleaned, errors_renamed, raise_errors
from opentrm.core.views import form_view


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_REGISTER)
def case_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    form = CaseRegisterForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: services.case_register(
            actor=actor,
            public_id=form.cleaned_data["public_id"],
            names=[services.NameData(value=form.cleaned_data["name"])]
            if form.cleaned_data["name"]
            else [],
            **cleaned(form, "sex", "age_band", "date_of_birth"),
            languages=form.codes(form.cleaned_data["languages"]),
            citizenships=form.codes(form.cleaned_data["citizenship"]),
            at_risk_only=form.cleaned_data["at_risk_only"],
            notification=_notification(form.cleaned_data),
        ),
        success=lambda case: _("Case %(number)s was opened.") % {"number": case.number},
        done=lambda case: redirect("cases:case_detail", case.public_id),
        template="cases/case_register.html",
        context={},
        precheck=lambda: raise_errors(
            registration_errors(date_of_birth=None, notification=_notification(form.cleaned_data))
        ),
    )


def _notification(data: Mapping[str, Any]) -> services.Notification:
    return services.Notification(
        referrer_type=data.get("referrer_type") or "",
        referrer_organisation=data.get("referrer_organisation"),
        channel=data.get("referral_channel") or "",
        notified_at=data.get("notified_at"),
    )


@case_form_page(
    "cases/consent_form.html",
    gettext_lazy("The consent decision was recorded."),
    anchor="",
    gate=Action.CONSENT_RECORD,
)
def consent_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    actor = request.actor
    # Before the form's transaction: a refusal is audited and nothing is written.
    require_widening(can(actor, Action.CONSENT_RECORD, case), actor, case, action="consent.record")
    is_post = request.method == "POST"
    # ?supersedes=<id>: correct that record with a new one (the register is append-only).
    corrected = _corrected_consent(case, request.POST if is_post else request.GET)
    form = ConsentForm(
        request.POST if is_post else None,
        request.FILES if is_post else None,
        initial=_correction_initial(corrected) if corrected else None,
    )

    def save() -> None:
        data = form.cleaned_data
        try:
            with files_removed_on_rollback():  # a refused signature file records nothing
                consent = services.consent_record(
                    actor=actor,
                    case=case,
                    purpose=data["purpose"],
                    decision=data["decision"],
                    decided_on=data["decided_on"],
                    explained_in=data["explained_in"],
                    information_given=data["information_given"],
                    recipient_organisation=data["recipient_organisation"],
                    recipient_country=data["recipient_country"].strip().upper(),
                    expires_on=data["expires_on"],
                    interpreter=data["interpreter"],
                    supersedes=corrected,
                )
                if data["signed_form"]:
                    _attach_signed_form(actor, consent, data["signed_form"])
        except ValidationError as error:
            # The record corrected is a hidden field: say what is wrong with it above the form.
            raise errors_renamed(
                error, lambda name: ABOVE if name == "supersedes" else name
            ) from None

    def precheck() -> None:  # with the form's own errors, not on the next submit
        data = form.cleaned_data
        validate_decision(
            purpose=data["purpose"],
            decided_on=data["decided_on"],
            expires_on=data.get("expires_on"),
            recipient_organisation=data.get("recipient_organisation"),
            recipient_country=data.get("recipient_country") or "",
            information_given=data.get("information_given") or "-",
        )

    return FormPage(form, save, {"corrected": corrected}, precheck=precheck)


ABOVE = NON_FIELD_ERRORS


def _corrected_consent(case: Case, data: QueryDict) -> ConsentRecord | None:
    raw = data.get("supersedes") or ""
    if not raw.isdigit():
        return None
    return get_object_or_404(ConsentRecord, pk=int(raw), case=case)


def _correction_initial(consent: ConsentRecord) -> dict[str, object]:
    return {
        "supersedes": consent.pk,
        "purpose": consent.purpose,
        "decision": consent.decision,
        "decided_on": consent.decided_on,
        "recipient_organisation": consent.recipient_organisation_id,
        "recipient_country": consent.recipient_country,
        "expires_on": consent.expires_on,
        "explained_in": consent.explained_in,
        "interpreter": consent.interpreter,
        "information_given": consent.information_given,
    }


def _attach_signed_form(actor: Actor, consent: ConsentRecord, upload: UploadedFile) -> None:
    """Store the scanned signature; whatever is wrong with the file is said on its field."""
    try:
        consent_signed_form_attach(actor=actor, consent=consent, upload=upload)
    except ValidationError as error:
        raise ValidationError({"signed_form": error.messages}) from None


@case_view("POST", gate=Action.CONSENT_RECORD)
def consent_withdraw(
    request: AuthenticatedHttpRequest, case: Case, consent_id: int
) -> HttpResponse:
    actor = request.actor
    consent = access_consent(actor, case, consent_id)
    try:
        services.consent_withdraw(actor=actor, consent=consent)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The consent was withdrawn. It no longer allows anything."))
    return redirect("cases:case_detail", case.public_id)


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def case_delete(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    case = access_case(actor, public_id, action="delete")
    form = CaseDeleteForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: services.case_soft_delete(
            actor=actor, case=case, reason=form.cleaned_data["reason"]
        ),
        success=_("Case %(number)s was deleted.") % {"number": case.number},
        done="cases:case_list",
        template="cases/case_delete.html",
        context={"case": case},
    )


@case_form_page("cases/person_form.html", gettext_lazy("The changes were saved."), anchor="")
def person_edit(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    """Edit what the actor's role may edit about the person (identity, contact)."""
    actor = request.actor
    editable = editable_groups(actor, case) & {FieldGroup.IDENTITY, FieldGroup.CONTACT}
    if not editable:
        raise PermissionDenied
    person = case.person
    data = request.POST or None
    form = PersonForm(data, initial=PersonForm.initial_for(person), editable=editable)
    names = NameFormSet(
        data,
        prefix="names",
        initial=[
            {"kind": n.kind, "value": n.value, "script": n.script}
            for n in person.names.order_by("order", "id")
        ],
    )
    show_names = FieldGroup.IDENTITY in editable

    def save() -> object:
        values = form.cleaned_data
        return services.person_update(
            actor=actor,
            case=case,
            expected_version=values["version"],
            identity={name: values[name] for name in PersonForm.IDENTITY[:8]}
            if show_names
            else None,
            contact={name: values[name] for name in PersonForm.CONTACT}
            if FieldGroup.CONTACT in editable
            else None,
            names=[
                services.NameData(value=row["value"], kind=row["kind"], script=row["script"])
                for row in names.cleaned_data
                if row and not row.get("DELETE")
            ]
            if show_names
            else None,
            languages=form.codes(values["languages"]) if show_names else None,
            citizenships=form.codes(values["citizenships"]) if show_names else None,
        )

    if request.method == "GET":  # the form shows the person's data: an audited read
        selectors.case_read(
            actor=actor, case=case, via="web", groups=sorted(editable), view="person_edit"
        )
    return FormPage(
        form,
        save,
        {"names": names, "show_names": show_names},
        formsets=[names] if show_names else [],
    )
