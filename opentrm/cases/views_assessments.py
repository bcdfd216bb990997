"""Assessments and the health record on the case file (issue 3 §7).

Views are thin: the action gate (``actor_required``), the case through ``access_case`` (404 for
cases of other organisations), then the field group (403), then the services.
"""

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, can
from opentrm.cases import selectors
from opentrm.cases.access import assessment_permissions
from opentrm.cases.forms_assessments import AssessmentDeleteForm, AssessmentForm, HealthForm
from opentrm.cases.lookups import access_assessment
from opentrm.cases.models import Assessment, AssessmentKind, Case, HealthRecord
from opentrm.cases.services import assessments as services
from opentrm.cases.views_common import FormPage, case_form_page, case_view
from opentrm.core.forms import edited, raise_errors


def _viewed(actor: Actor, case: Case, view: str) -> None:
    selectors.assistance_read(actor=actor, case=case, via="web", view=view)


def _live(case: Case) -> QuerySet[Assessment]:
    # Through the case: each assessment's case is the same object (what is shared of it is
    # worked out once).
    return case.assessments.filter(deleted_at__isnull=True)


# --- The case page ----------------------------------------------------------------------------


def findings(assessment: Assessment) -> list[tuple[str, str]]:
    """What the assessment found, as (label, text) pairs for the screens: the codes of its
    kind's fields in words, then the findings."""
    pairs: list[tuple[str, str]] = []
    for name in (*services.KIND_FIELDS[assessment.kind], "summary"):
        value = getattr(assessment, name)
        if not value:
            continue
        choices = services.CODED_FIELDS.get(name)
        if choices is not None:
            labels = dict(choices.choices)
            codes = value if isinstance(value, list) else [value]
            value = ", ".join(str(labels.get(code, code)) for code in codes)
        field = Assessment._meta.get_field(name)
        assert isinstance(field, models.Field)
        pairs.append((str(field.verbose_name).capitalize(), str(value)))
    return pairs


@dataclass(frozen=True)
class KindRow:
    kind: str
    label: str
    latest: Assessment | None
    count: int

    @property
    def findings(self) -> list[tuple[str, str]]:
        return findings(self.latest) if self.latest else []


@dataclass(frozen=True)
class AssessmentsSection:
    rows: list[KindRow]
    may_edit: bool


@dataclass(frozen=True)
class HealthSection:
    record: HealthRecord | None
    may_edit: bool


def assessments_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's assessments (for actors who see the case's assistance data) and health
    record (for those who see its health data; showing it is audited as HEALTH_VIEWED). At most
    four queries besides the audit, whatever the history."""
    section = None
    if can(actor, Action.ASSISTANCE_VIEW, case):
        counts = dict(_live(case).values_list("kind").annotate(n=Count("id")).order_by())
        newer = (
            _live(case)
            .filter(kind=OuterRef("kind"))
            .filter(
                Q(assessed_on__gt=OuterRef("assessed_on"))
                | Q(assessed_on=OuterRef("assessed_on"), pk__gt=OuterRef("pk"))
            )
        )
        latest = {
            a.kind: a
            for a in _live(case)
            .filter(~Exists(newer))
            .select_related("organisation", "assessed_by")
        }
        section = AssessmentsSection(
            rows=[
                KindRow(kind, str(label), latest.get(kind), counts.get(kind, 0))
                for kind, label in AssessmentKind.choices
            ],
            may_edit=can(actor, Action.ASSISTANCE_EDIT, case),
        )
    health = None
    if can(actor, Action.HEALTH_VIEW, case):
        record = HealthRecord.objects.filter(case=case).first()
        if record is not None:
            services.health_record_viewed(actor=actor, case=case, record=record)
        health = HealthSection(record=record, may_edit=can(actor, Action.HEALTH_EDIT, case))
    return {"assessments": section, "health": health}


# --- Assessments ------------------------------------------------------------------------------


@case_view("GET", needs=Action.ASSISTANCE_VIEW)
def assessment_list(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    """Every assessment of the case, newest first, optionally of one kind."""
    actor = request.actor
    kind = request.GET.get("kind", "")
    assessments = _live(case).select_related("organisation", "assessed_by")
    if kind in AssessmentKind.values:
        assessments = assessments.filter(kind=kind)
    else:
        kind = ""
    _viewed(actor, case, "assessment_list")
    return render(
        request,
        "cases/assessment_list.html",
        {
            "case": case,
            "assessments": [
                (a, findings(a), assessment_permissions(actor, case, a)) for a in assessments
            ],
            "kind": kind,
            "kinds": AssessmentKind.choices,
        },
    )


_assessment_page = partial(case_form_page, anchor="assessments")


@_assessment_page("cases/assessment_form.html", gettext_lazy("The assessment was recorded."))
def assessment_create(request: AuthenticatedHttpRequest, case: Case, kind: str) -> FormPage:
    actor = request.actor
    if kind not in AssessmentKind.values:
        raise Http404
    if not can(actor, Action.ASSISTANCE_EDIT, case):
        raise PermissionDenied
    form = AssessmentForm(request.POST or None, kind=kind)
    return FormPage(
        form,
        lambda: services.assessment_record(actor=actor, case=case, kind=kind, **form.values()),
        {"title": AssessmentKind(kind).label},
        precheck=lambda: raise_errors(services.assessment_errors(kind, form.cleaned_data)),
    )


@_assessment_page("cases/assessment_form.html", gettext_lazy("The assessment was saved."))
def assessment_edit(request: AuthenticatedHttpRequest, case: Case, assessment_id: int) -> FormPage:
    actor = request.actor
    assessment = access_assessment(actor, case, assessment_id, action="edit")
    form = AssessmentForm(request.POST or None, kind=assessment.kind, assessment=assessment)
    if request.method == "GET":
        _viewed(actor, case, "assessment_edit")
    return FormPage(
        form,
        lambda: services.assessment_update(
            actor=actor,
            assessment=assessment,
            expected_version=form.cleaned_data["version"],
            changes=form.values(),
        ),
        {"title": assessment.get_kind_display(), "assessment": assessment},
        precheck=lambda: raise_errors(
            services.assessment_errors(assessment.kind, form.cleaned_data, assessment)
        ),
    )


@_assessment_page("cases/assessment_delete.html", gettext_lazy("The assessment was deleted."))
def assessment_delete(
    request: AuthenticatedHttpRequest, case: Case, assessment_id: int
) -> FormPage:
    actor = request.actor
    assessment = access_assessment(actor, case, assessment_id, action="edit")
    form = AssessmentDeleteForm(request.POST or None, initial={"version": assessment.version})
    return FormPage(
        form,
        lambda: services.assessment_soft_delete(
            actor=actor,
            assessment=assessment,
            **edited(form, "reason"),
        ),
        {"assessment": assessment},
    )


# --- Health -----------------------------------------------------------------------------------


@case_form_page(
    "cases/health_form.html",
    gettext_lazy("The health record was saved."),
    anchor="health",
    needs=Action.HEALTH_EDIT,
)
def health_edit(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    actor = request.actor
    record = HealthRecord.objects.filter(case=case).first()
    form = HealthForm(request.POST or None, record=record)
    if request.method == "GET":
        services.health_record_viewed(actor=actor, case=case, record=record)
    return FormPage(
        form,
        lambda: services.health_update(
            actor=actor,
            case=case,
            expected_version=form.cleaned_data["version"],
            changes=form.changes(),
        ),
    )
