"""Case screens for the measures board, the identification decision, the recovery and reflection
period, and a country's case settings. Thin: the services decide, the forms collect."""

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases import services
from opentrm.cases.access import measure_notes_visible, sop_visible
from opentrm.cases.forms_measures import (
    CountrySettingsForm,
    CustomMeasureForm,
    IdentificationForm,
    MeasureForm,
    MeasureSettingForm,
    ReflectionPeriodForm,
)
from opentrm.cases.models import Case, CaseMeasure, MeasureSetting
from opentrm.cases.services.case_settings import (
    case_country,
    country_settings,
    effective_measure,
    effective_measures,
    identifying_roles,
    unknown_measure,
)
from opentrm.cases.services.identification import identification_errors, reflection_countdown
from opentrm.cases.services.measures import measure_board, measure_errors, measure_plan_warnings
from opentrm.cases.views_common import FormPage, case_form_page, case_url, case_view
from opentrm.core.forms import add_precheck_errors, cleaned, edited, raise_errors
from opentrm.core.forms import add_service_errors as add_service_error
from opentrm.core.views import form_view
from opentrm.directory.models import Country


def _home_country(request: AuthenticatedHttpRequest) -> Country:
    return request.membership.organisation.country


def measures_context(actor: Actor, case: Case) -> dict[str, Any]:
    """What ``cases/_measures_section.html`` shows on the case file."""
    today = timezone.localdate()
    return {
        "measure_board": measure_board(actor=actor, case=case, today=today),
        "reflection": reflection_countdown(case, today),
        "reflection_periods": list(case.reflection_periods.order_by("-starts_on")),
        "identifications": list(
            case.identification_decisions.select_related("decided_by", "organisation")
        ),
    }


# --- Measures on a case ------------------------------------------------------------------------


# A measure's page: the case page opens at the measure after a save.
_measure_page = partial(
    case_form_page, "cases/measure_form.html", anchor="", gate=Action.MEASURE_EDIT
)


@_measure_page(gettext_lazy("The measure was planned."))
def measure_plan(
    request: AuthenticatedHttpRequest, case: Case, code: str
) -> FormPage | HttpResponse:
    """Put a measure on the case; the directory's responsible body is suggested."""
    actor = request.actor
    item = effective_measure(case_country(case), code)
    if item is None or not item.is_enabled or not sop_visible(actor, case, item.sop_code):
        raise Http404
    if case.measures.filter(code=code).exists():
        return redirect("cases:measure_edit", case.public_id, code)
    initial: dict[str, Any] = {}
    if item.default_deadline_days:
        initial["due_on"] = timezone.localdate() + timedelta(days=item.default_deadline_days)
    form = MeasureForm(
        request.POST or None,
        actor=actor,
        case=case,
        sop_code=item.sop_code,
        planning=True,
        initial=initial,
    )
    warnings = measure_plan_warnings(case, code)

    def save() -> CaseMeasure:
        measure = services.measure_plan(
            actor=actor,
            case=case,
            code=code,
            responsible_organisation=form.organisation(),
            responsible_person=form.person(),
            due_on=form.cleaned_data["due_on"],
            notes=form.cleaned_data.get("notes", ""),
        )
        for warning in warnings:
            messages.warning(request, warning)
        return measure

    return FormPage(
        form,
        save,
        {"measure": item, "planning": True, "warnings": warnings},
        anchor=f"measure-{code}",
        precheck=lambda: raise_errors(measure_errors(_measure_values(form))),
    )


def _measure_values(form: MeasureForm) -> dict[str, Any]:
    """What a measure form says, with the organisation and the person it picked."""
    return form.cleaned_data | {
        "responsible_organisation": form.organisation(),
        "responsible_person": form.person(),
    }


@_measure_page(gettext_lazy("The measure was saved."))
def measure_edit(request: AuthenticatedHttpRequest, case: Case, code: str) -> FormPage:
    """Change a measure on the case: status, who, dates, notes. Guards explain any refusal."""
    actor = request.actor
    measure = get_object_or_404(
        CaseMeasure.objects.select_related("responsible_organisation", "responsible_person"),
        case=case,
        code=code,
    )
    item = effective_measure(case_country(case), code) or unknown_measure(code)
    if not sop_visible(actor, case, item.sop_code):
        raise Http404
    initial = {
        "version": measure.version,
        "status": measure.status,
        "responsible_organisation": measure.responsible_organisation_id,
        "responsible_person": measure.responsible_person_id,
        "due_on": measure.due_on,
        "started_on": measure.started_on,
        "completed_on": measure.completed_on,
    }
    if measure_notes_visible(actor, case, item.sop_code):
        initial["notes"] = measure.notes
    form = MeasureForm(
        request.POST or None,
        actor=actor,
        case=case,
        sop_code=item.sop_code,
        planning=False,
        initial=initial,
    )

    def save() -> None:
        data = form.cleaned_data
        try:
            services.measure_update(
                actor=actor,
                measure=measure,
                expected_version=data["version"],
                status=data["status"],
                responsible_organisation=form.organisation(),
                responsible_person=form.person(),
                due_on=data["due_on"],
                started_on=data["started_on"],
                completed_on=data["completed_on"],
                notes=data.get("notes"),  # None: the actor may not see them, kept
            )
        except services.GuardBlockedError as blocked:
            raise ValidationError({"status": blocked.reasons}) from blocked

    return FormPage(
        form,
        save,
        {"measure": item, "planning": False},
        anchor=f"measure-{code}",
        precheck=lambda: raise_errors(measure_errors(_measure_values(form))),
    )


# --- Identification and the reflection period ------------------------------------------------


@case_view("GET", "POST", gate=Action.IDENTIFICATION_RECORD)
def identification_create(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    """Record an identification decision; a formal one only by the roles the country names."""
    actor = request.actor
    home = _home_country(request)
    form = IdentificationForm(
        request.POST or None,
        initial={"decided_on": timezone.localdate(), "country_code": home.code},
    )
    status = 200
    if request.method == "POST" and not form.is_valid():
        add_precheck_errors(  # the service's mistakes with the form's own (issue 12 §5)
            form,
            lambda: raise_errors(identification_errors(case, home, form.cleaned_data)),
        )
    elif request.method == "POST":
        data = form.cleaned_data
        try:
            services.identification_record(
                actor=actor,
                case=case,
                outcome=data["outcome"],
                is_formal=data["is_formal"],
                decided_on=data["decided_on"],
                country_code=data["country_code"],
                legal_basis=data["legal_basis"],
                indicators_used=data["indicators_used"],
            )
        except services.GuardBlockedError as blocked:
            form.add_error("is_formal", blocked.reasons)
            status = 403
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The identification decision was recorded."))
            return redirect(case_url(case, "identification"))
    return render(
        request,
        "cases/identification_form.html",
        {
            "form": form,
            "case": case,
            "may_formally_identify": can(actor, Action.IDENTIFICATION_FORMAL, case),
            "identifying_roles": identifying_roles(country_settings(home)),
            "country": home,
        },
        status=status,
    )


@case_form_page(
    "cases/reflection_form.html",
    gettext_lazy("The recovery and reflection period was started."),
    anchor="reflection",
    gate=Action.MEASURE_EDIT,
)
def reflection_start(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    """Start the recovery and reflection period (by default for the country's number of days)."""
    home = _home_country(request)
    form = ReflectionPeriodForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    return FormPage(
        form,
        lambda: services.reflection_period_start(
            actor=request.actor, case=case, **cleaned(form, "starts_on", "ends_on")
        ),
        {"country": home, "days": country_settings(home).reflection_days},
    )


# --- A country's settings ----------------------------------------------------------------------


def _settings_form(
    request: AuthenticatedHttpRequest,
    form: forms.BaseForm,
    save: Callable[[], object],
    template: str,
    context: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    success: str | None = None,
) -> HttpResponse:
    """A form of the country's case settings; back to the settings page once saved."""
    return form_view(
        request,
        form,
        save=save,
        success=success or _("Your changes were saved."),
        done=reverse("cases:case_settings"),
        template=template,
        context=context,
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_SETTINGS_EDIT)
def case_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The national coordinator's page: reflection days, who identifies, the measure list."""
    actor = request.actor
    country = _home_country(request)
    settings = country_settings(country)
    form = CountrySettingsForm(
        request.POST or None,
        initial={
            "version": settings.version,
            "reflection_days": settings.reflection_days,
            "identifying_roles": list(settings.identifying_roles or []),
        },
    )
    return _settings_form(
        request,
        form,
        lambda: services.country_settings_update(
            actor=actor,
            country=country,
            **edited(form, "reflection_days", "identifying_roles"),
        ),
        "cases/measure_settings.html",
        lambda: {
            "country": country,
            "measures": effective_measures(country, include_disabled=True),
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_SETTINGS_EDIT)
def measure_setting_edit(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Rename, switch off or on, or set the default deadline of one measure in the country."""
    actor = request.actor
    country = _home_country(request)
    item = effective_measure(country, code)
    if item is None:
        raise Http404
    setting = MeasureSetting.objects.filter(country=country, code=code).first()
    form = MeasureSettingForm(
        request.POST or None,
        initial={
            "label": setting.label if setting else "",
            "is_enabled": "on" if item.is_enabled else "off",
            "default_deadline_days": setting.default_deadline_days if setting else None,
            "guidance": setting.guidance if setting else "",
        },
    )
    return _settings_form(
        request,
        form,
        lambda: services.measure_setting_save(
            actor=actor, country=country, code=code, **form.cleaned_data
        ),
        "cases/measure_setting_form.html",
        {"country": country, "measure": item},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_SETTINGS_EDIT)
def measure_setting_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add a measure of the country's own to one of the five procedures."""
    actor = request.actor
    country = _home_country(request)
    form = CustomMeasureForm(request.POST or None)
    return _settings_form(
        request,
        form,
        lambda: services.measure_setting_add(
            actor=actor,
            country=country,
            sop_code=form.cleaned_data["sop"],
            **cleaned(form, "label", "default_deadline_days", "guidance"),
        ),
        "cases/measure_setting_form.html",
        {"country": country, "measure": None},
        success=_("The measure was added."),
    )
