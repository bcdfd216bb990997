"""The transnational referral's template: its section on the referral page, the editor with
section progress, sending, the steps after sending, follow-up reports, the bilingual
documents and the country's template profile.

Views are thin: the action gate, the referral through ``access_referral`` (404 when it is not
the organisation's), then the services, which re-check who may do what.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases.access import access_case, require_widening
from opentrm.core.errors import ConflictError
from opentrm.core.forms import add_service_errors, cleaned, edited, errors_renamed
from opentrm.core.pdf import PdfUnavailableError
from opentrm.core.views import action_view, form_view
from opentrm.directory.models import Country
from opentrm.referrals import selectors
from opentrm.referrals.access import access_referral, can_edit_template_field
from opentrm.referrals.forms_requests import blank_fields
from opentrm.referrals.forms_template import (
    GROUP_LABELS,
    FollowUpForm,
    ProfileAddForm,
    ProfileFieldForm,
    SendForm,
    StepForm,
    TemplateFieldsForm,
    TransnationalCreateForm,
)
from opentrm.referrals.models import Referral, ReferralKind
from opentrm.referrals.services import documents, profiles
from opentrm.referrals.services import transnational as tn
from opentrm.referrals.services.requests import REQUEST_KINDS
from opentrm.referrals.template import loader


def _template_referral(actor: Actor, public_id: str) -> Referral:
    referral = access_referral(actor, public_id)
    if referral.kind != ReferralKind.TRANSNATIONAL:
        raise Http404
    return referral


def _editor_url(referral: Referral) -> str:
    return reverse("referrals:template_editor", args=[referral.public_id])


def _groups_label(groups: Any) -> list[str]:
    from opentrm.accounts.policy import FieldGroup

    return [str(GROUP_LABELS[FieldGroup(g)]) for g in sorted(groups)]


def template_context(actor: Actor, referral: Referral) -> dict[str, Any]:
    """The referral page's template section (transnational referrals only)."""
    if referral.kind != ReferralKind.TRANSNATIONAL:
        return {"tpl": None}
    view = tn.template_view(actor, referral)
    if view is None:
        return {"tpl": None}
    steps = [s for s in tn.available_steps(actor, referral) if s in tn.PAGE_STEPS]
    follow_ups = list(
        referral.follow_ups.select_related("organisation").order_by("-reported_on", "-id")
    )
    return {
        "tpl": {
            "view": view,
            "steps": steps,
            "step_labels": _step_labels(),
            "may_send": view.side == loader.EXPLOITATION
            and referral.status == "draft"
            and actor.may(Action.REFERRAL_SEND),
            "may_follow_up": view.side == loader.ORIGIN
            and referral.status in tn.AFTER_ACCEPTANCE
            and actor.may(Action.REFERRAL_RESPOND),
            "follow_ups": follow_ups,
            "gate_groups": _groups_label(view.gate_groups),
        }
    }


def _step_labels() -> dict[str, str]:
    return {
        "return_arranged": _("Return arranged"),
        "arrival_confirmed": _("Confirm the arrival"),
        "close": _("Close"),
        "acknowledge": _("Acknowledge"),
        "accept": _("Accept"),
        "decline": _("Decline"),
        "withdraw": _("Withdraw"),
    }


# --- creating ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required(Action.REFERRAL_SEND)
def transnational_create(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    case = access_case(actor, public_id)
    require_widening(can(actor, Action.REFERRAL_SEND, case), actor, case, action="referral.send")
    own = request.membership.organisation.country.code
    form = TransnationalCreateForm(request.POST or None, own_country=own)

    def save() -> Referral:
        try:
            return tn.transnational_create(
                actor=actor,
                case=case,
                country_code=form.cleaned_data["country"],
                **cleaned(form, "urgency", "reason"),
            )
        except ValidationError as error:
            raise errors_renamed(error, lambda name: COUNTRY_NAMES.get(name, name)) from None

    return form_view(
        request,
        form,
        save=save,
        success=_("The referral was drafted and its template pre-filled from the case."),
        done=lambda referral: redirect(_editor_url(referral)),
        template="referrals/template_create.html",
        context={"case": case},
        refused_status=422,
    )


COUNTRY_NAMES = {"receiver_country": "country"}  # the service's name -> the form's


# --- the editor -------------------------------------------------------------------------------


@require_GET
@actor_required(Action.CASE_VIEW)
def template_editor(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    referral = _template_referral(actor, public_id)
    if selectors.template_read(actor=actor, referral=referral, via="web") is None:
        raise Http404
    return render(
        request,
        "referrals/template_editor.html",
        {"referral": referral, **template_context(actor, referral), "send_form": SendForm()},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def template_section_edit(
    request: AuthenticatedHttpRequest, public_id: str, section: str
) -> HttpResponse:
    actor = request.actor
    referral = _template_referral(actor, public_id)
    view = tn.template_view(actor, referral)
    if view is None:
        raise Http404
    section_view = next((s for s in view.sections if s.section.code == section), None)
    if section_view is None:
        raise Http404
    cells = [cell for cell in section_view.cells if cell.editable]
    if not cells:
        raise PermissionDenied
    form = TemplateFieldsForm(
        request.POST or None,
        items=[cell.field for cell in cells],
        values={cell.field.code: cell.value for cell in cells},
        initial={"version": view.instance.version},
    )

    def save() -> None:
        try:
            tn.template_update(
                actor=actor,
                referral=referral,
                expected_version=form.cleaned_data["version"],
                values=form.values(),
                lang=form.cleaned_data["lang"],
            )
        except ValidationError as error:
            raise errors_renamed(error, form.field_of) from None

    def precheck() -> None:
        errors = tn.template_errors(
            actor=actor,
            referral=referral,
            values=form.values(),
            lang=form.cleaned_data.get("lang"),
        )
        if errors:
            raise errors_renamed(ValidationError(errors), form.field_of)

    if request.method == "GET":
        selectors.template_read(actor=actor, referral=referral, via="web", section=section)
    return form_view(
        request,
        form,
        save=save,
        success=_("The section was saved."),
        done=_editor_url(referral) + f"#section-{section}",
        template="referrals/template_section_form.html",
        context={"referral": referral, "section": section_view},
        refused_status=422,
        precheck=precheck,
    )


@require_POST
@actor_required(Action.REFERRAL_SEND)
def template_send(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    referral = _template_referral(actor, public_id)
    form = SendForm(request.POST)
    return action_view(
        request,
        form,
        save=lambda: tn.transnational_send(
            actor=actor, referral=referral, expected_version=form.cleaned_data["version"]
        ),
        success=_("The referral was sent."),
        done=_editor_url(referral),
        incomplete=_("The form was incomplete. Reload the page and try again."),
    )


@require_POST
@actor_required(Action.CASE_VIEW)
def template_step(request: AuthenticatedHttpRequest, public_id: str, step: str) -> HttpResponse:
    actor = request.actor
    referral = _template_referral(actor, public_id)
    if step not in tn.STEPS:
        raise Http404
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete. Reload the page and try again."))
        return redirect(_editor_url(referral))
    try:
        tn.transnational_step(
            actor=actor,
            referral=referral,
            step=step,
            **edited(form, "reason"),
        )
    except ValidationError as error:
        for text in sorted(set(error.messages)):
            messages.error(request, text)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect(_editor_url(referral))


@require_http_methods(["GET", "POST"])
@actor_required(Action.REFERRAL_RESPOND)
def template_follow_up(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    referral = _template_referral(actor, public_id)
    view = tn.template_view(actor, referral)
    if view is None or view.side != loader.ORIGIN:
        raise PermissionDenied
    items = [
        item
        for item in tn.follow_up_fields(view.definition)
        if can_edit_template_field(actor, referral, item)
    ]
    if not items:
        raise PermissionDenied
    form = FollowUpForm(request.POST or None, items=items)

    def save() -> None:
        try:
            tn.follow_up_add(
                actor=actor,
                referral=referral,
                reported_on=form.cleaned_data["reported_on"],
                values=form.values(),
                **cleaned(form, "summary", "lang"),
            )
        except ValidationError as error:
            raise errors_renamed(error, form.field_of) from None

    return form_view(
        request,
        form,
        save=save,
        success=_("The follow-up report was added."),
        done=_editor_url(referral),
        template="referrals/template_follow_up.html",
        context={"referral": referral},
        refused_status=422,
    )


# --- documents --------------------------------------------------------------------------------


@require_GET
@actor_required(Action.CASE_VIEW)
def template_document(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    referral = _template_referral(actor, public_id)
    try:
        document = documents.referral_print(actor=actor, referral=referral)
    except ValidationError as error:
        raise Http404 from error
    return render(
        request,
        "referrals/template_document.html",
        {"referral": referral, **documents.document_context(document)},
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@actor_required(Action.CASE_VIEW)
def template_pdf(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor = request.actor
    referral = _template_referral(actor, public_id)
    try:
        content = documents.referral_pdf(actor=actor, referral=referral)
    except PdfUnavailableError as error:
        messages.error(request, error.message)
        return redirect(_editor_url(referral))
    return _pdf_response(content, f"{referral.reference}.pdf")


# Every member may print the blank template: it holds no personal data.
@require_GET
@actor_required(Action.DIRECTORY_VIEW)
def template_blank(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    pair = request.GET.get("pair", "")
    fmt = "pdf" if request.GET.get("format") == "pdf" else "html"
    languages = tn.node_languages()
    if not pair:
        pair = _default_pair(languages)
    try:
        document, content = documents.blank_print(actor=actor, pair=pair, fmt=fmt)
    except ValidationError as error:
        return render(
            request,
            "referrals/template_document.html",
            {"errors": error.messages, "pairs": _pairs(languages)},
            status=400,
        )
    except PdfUnavailableError as error:
        messages.error(request, error.message)
        return redirect(reverse("referrals:template_blank") + f"?pair={pair}")
    if content is not None:
        return _pdf_response(content, f"transnational-referral-template-{pair}.pdf")
    return render(
        request,
        "referrals/template_document.html",
        {**documents.document_context(document), "pair": pair, "pairs": _pairs(languages)},
    )


# Every member may print a request kind's blank form: it holds no personal data.
@require_GET
@actor_required(Action.DIRECTORY_VIEW)
def request_blank(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    if kind not in REQUEST_KINDS:
        raise Http404
    languages = tn.node_languages()
    pair = request.GET.get("pair", "") or _default_pair(languages)
    fmt = "pdf" if request.GET.get("format") == "pdf" else "html"
    action = reverse("referrals:request_blank", args=[kind])
    context = {"pairs": _pairs(languages), "pair_action": action}
    try:
        document, content = documents.blank_request_print(
            actor=request.actor, kind=kind, asked=blank_fields(kind), pair=pair, fmt=fmt
        )
    except ValidationError as error:
        return render(
            request,
            "referrals/template_document.html",
            {**context, "errors": error.messages},
            status=400,
        )
    except PdfUnavailableError as error:
        messages.error(request, error.message)
        return redirect(f"{action}?pair={pair}")
    if content is not None:
        return _pdf_response(content, f"{kind.replace('_', '-')}-request-{pair}.pdf")
    return render(
        request,
        "referrals/template_document.html",
        {**documents.document_context(document), **context, "pair": pair},
    )


def _default_pair(languages: list[str]) -> str:
    current = tn.current_language()
    return f"{current}-{'en' if current != 'en' else languages[1]}"


def _pairs(languages: list[str]) -> list[str]:
    return [f"{a}-{b}" for a in languages for b in languages if a != b]


# --- the country's profile ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_SETTINGS_EDIT)
def template_profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    country: Country = request.membership.organisation.country
    profile = profiles.profile_of(country.pk)
    version = profile.version if profile else 0
    add_form = ProfileAddForm(
        request.POST if request.POST.get("form") == "add" else None,
        initial={"version": version},
        prefix="add",
    )
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("form") == "add":
                if add_form.is_valid():
                    profiles.profile_add_field(
                        actor=actor,
                        expected_version=add_form.cleaned_data["version"],
                        values=add_form.cleaned_data,
                    )
                    messages.success(request, _("The field was added to your country's template."))
                    return redirect("referrals:template_profile")
            else:
                field_form = ProfileFieldForm(request.POST)
                if not field_form.is_valid():
                    raise ValidationError({"code": _("Unknown field or change.")})
                data = field_form.cleaned_data
                change = {
                    "disable": profiles.profile_disable_field,
                    "enable": profiles.profile_enable_field,
                    "remove": profiles.profile_remove_added_field,
                }[data["op"]]
                change(actor=actor, expected_version=data["version"], code=data["code"])
                messages.success(request, _("Your country's template was changed."))
                return redirect("referrals:template_profile")
        except ValidationError as error:
            if request.POST.get("form") == "add":
                add_service_errors(add_form, error)
            else:
                for text in error.messages:
                    messages.error(request, text)
        except ConflictError as error:
            messages.error(request, error.message)
        status = 422
    template = loader.load_template()
    definition = profiles.definition_for(profile)
    disabled = set(profile.disabled_fields) if profile else set()
    return render(
        request,
        "referrals/template_profile.html",
        {
            "country": country,
            "profile": profile,
            "version": version,
            "add_form": add_form,
            "template": template,
            "disabled": disabled,
            "added": [f for f in definition.fields if f.added],
        },
        status=status,
    )
