"""Proceedings, the no-contact list, interviews and hearings (issue 3 §9).

Views are thin: the action gate, the case through ``access_case`` (404 for cases of other
organisations), the PROCEEDINGS field group (403), then ``services/proceedings.py``.
"""

from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases.access import hide_hearing_participants
from opentrm.cases.forms_proceedings import (
    HearingForm,
    NoContactForm,
    NoContactRemoveForm,
    ProceedingForm,
)
from opentrm.cases.lookups import access_proceeding
from opentrm.cases.models import Case, Hearing, NoContactPerson, Proceeding
from opentrm.cases.services.proceedings import (
    hearing_cancel,
    hearing_schedule,
    hearing_update,
    named_in,
    no_contact_add,
    no_contact_remove,
    proceeding_record,
    proceeding_update,
)
from opentrm.cases.services.proceedings_checks import hearing_form_errors, proceeding_form_errors
from opentrm.cases.views_common import FormPage, case_form_page, case_url, case_view
from opentrm.core.errors import ConflictError
from opentrm.core.forms import cleaned, raise_errors


@dataclass(frozen=True)
class HearingRow:
    hearing: Hearing
    no_contact: list[NoContactPerson]  # people on the list who take part


@dataclass(frozen=True)
class ProceedingsSection:
    proceedings: list[Proceeding]
    no_contact: list[NoContactPerson]
    hearings: list[HearingRow]
    may_edit: bool


def proceedings_context(actor: Actor, case: Case) -> dict[str, Any]:
    """The case page's proceedings, no-contact list and upcoming interviews and hearings, for
    roles that see proceedings. Four queries, whatever the case holds."""
    if not can(actor, Action.PROCEEDINGS_VIEW, case):
        return {"proceedings_section": None}
    now = timezone.now()
    proceedings = list(Proceeding.objects.filter(case=case))
    active = list(NoContactPerson.objects.live().filter(case=case))
    upcoming = list(
        Hearing.objects.filter(case=case, cancelled_at__isnull=True, scheduled_at__gte=now)
        .select_related("proceeding")
        .order_by("scheduled_at", "id")
    )
    # The involved people of all upcoming hearings in one query (not per hearing), filtered by
    # the case rather than by the hearings' ids so that it runs even when there are none.
    through = Hearing.involved_no_contact.through
    involved: dict[int, set[int]] = defaultdict(set)
    for hearing_id, entry_id in through.objects.filter(
        hearing__case=case, hearing__cancelled_at__isnull=True, hearing__scheduled_at__gte=now
    ).values_list("hearing_id", "nocontactperson_id"):
        involved[hearing_id].add(entry_id)
    rows = []
    for hearing in upcoming:
        # Someone put on the list after the hearing was scheduled is flagged too.
        ids = involved[hearing.pk] | {entry.pk for entry in named_in(active, hearing.participants)}
        rows.append(HearingRow(hearing, [entry for entry in active if entry.pk in ids]))
    hide_hearing_participants(actor, case, upcoming)
    return {
        "proceedings_section": ProceedingsSection(
            proceedings=proceedings,
            no_contact=active,
            hearings=rows,
            may_edit=can(actor, Action.PROCEEDINGS_EDIT, case),
        )
    }


# A form page of the case's proceedings: for those who may change them, the GET an audited read.
_page = partial(case_form_page, needs=Action.PROCEEDINGS_EDIT, read=FieldGroup.PROCEEDINGS)


# --- Proceedings ---------------------------------------------------------------------------------


@_page(
    "cases/proceeding_form.html",
    gettext_lazy("The proceedings were recorded."),
    anchor="proceedings",
)
def proceeding_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    form = ProceedingForm(request.POST or None)
    return FormPage(
        form,
        lambda: proceeding_record(actor=request.actor, case=case, **form.values()),
        {"title": _("Record proceedings")},
        precheck=lambda: raise_errors(proceeding_form_errors(case, form.cleaned_data)),
    )


@_page(
    "cases/proceeding_form.html", gettext_lazy("The proceedings were saved."), anchor="proceedings"
)
def proceeding_edit(request: AuthenticatedHttpRequest, case: Case, proceeding_id: int) -> FormPage:
    proceeding = access_proceeding(request.actor, case, proceeding_id)
    form = ProceedingForm(request.POST or None, proceeding=proceeding)
    return FormPage(
        form,
        lambda: proceeding_update(
            actor=request.actor,
            proceeding=proceeding,
            expected_version=form.cleaned_data["version"],
            changes=form.values(),
        ),
        {"title": _("Edit proceedings")},
        precheck=lambda: raise_errors(proceeding_form_errors(case, form.cleaned_data, proceeding)),
    )


# --- The no-contact list -------------------------------------------------------------------------


@_page(
    "cases/no_contact_form.html",
    gettext_lazy("The person was put on the no-contact list."),
    anchor="no-contact",
)
def no_contact_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    form = NoContactForm(request.POST or None)
    return FormPage(
        form,
        lambda: no_contact_add(
            actor=request.actor, case=case, **cleaned(form, "name", "description")
        ),
    )


@_page(
    "cases/no_contact_remove.html",
    gettext_lazy("The person was taken off the no-contact list."),
    anchor="no-contact",
)
def no_contact_delete(request: AuthenticatedHttpRequest, case: Case, entry_id: int) -> FormPage:
    entry = get_object_or_404(NoContactPerson.objects.live(), pk=entry_id, case=case)
    entry.case = case
    form = NoContactRemoveForm(request.POST or None)
    return FormPage(
        form,
        lambda: no_contact_remove(
            actor=request.actor, entry=entry, reason=form.cleaned_data["reason"]
        ),
        {"entry": entry},
    )


# --- Interviews and hearings ---------------------------------------------------------------------


@_page(
    "cases/hearing_form.html",
    gettext_lazy("The interview or hearing was scheduled."),
    anchor="hearings",
)
def hearing_create(request: AuthenticatedHttpRequest, case: Case) -> FormPage:
    form = HearingForm(request.POST or None, case=case, actor=request.actor)
    return FormPage(
        form,
        lambda: hearing_schedule(actor=request.actor, case=case, **form.values()),
        {"title": _("Schedule an interview or hearing")},
        precheck=lambda: raise_errors(hearing_form_errors(case, form.cleaned_data)),
    )


def _hearing(case: Case, hearing_id: int) -> Hearing:
    # Through the case: the hearing's case is the same object (what is shared of it is worked
    # out once).
    return get_object_or_404(case.hearings, pk=hearing_id, cancelled_at__isnull=True)


@_page(
    "cases/hearing_form.html",
    gettext_lazy("The interview or hearing was saved."),
    anchor="hearings",
)
def hearing_edit(request: AuthenticatedHttpRequest, case: Case, hearing_id: int) -> FormPage:
    hearing = _hearing(case, hearing_id)
    form = HearingForm(request.POST or None, case=case, hearing=hearing, actor=request.actor)
    return FormPage(
        form,
        lambda: hearing_update(
            actor=request.actor,
            hearing=hearing,
            expected_version=form.cleaned_data["version"],
            changes=form.values(),
        ),
        {"hearing": hearing, "title": _("Change an interview or hearing")},
        precheck=lambda: raise_errors(hearing_form_errors(case, form.cleaned_data, hearing)),
    )


@case_view("POST", needs=Action.PROCEEDINGS_EDIT)
def hearing_cancel_view(
    request: AuthenticatedHttpRequest, case: Case, hearing_id: int
) -> HttpResponse:
    actor = request.actor
    hearing = _hearing(case, hearing_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("The form was incomplete. Reload the page and try again."))
        return redirect(case_url(case, "hearings"))
    try:
        hearing_cancel(actor=actor, hearing=hearing, expected_version=version)
    except ConflictError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The interview or hearing was cancelled."))
    return redirect(case_url(case, "hearings"))
