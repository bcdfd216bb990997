"""Proceedings, the no-contact list, interviews and hearings (issue 3 §9).

Views are thin: the action gate, the case through ``access_case`` (404 for cases of other
organisations), the PROCEEDINGS field group (403), then ``services/proceedings.py``.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases.access import access_proceeding
from opentrm.cases.forms_proceedings import (
    HearingForm,
    NoContactForm,
    NoContactRemoveForm,
    ProceedingForm,
)
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
from opentrm.cases.views_common import case_url, editable_case
from opentrm.core.errors import ConflictError
from opentrm.core.forms import cleaned
from opentrm.core.views import form_view


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
    return {
        "proceedings_section": ProceedingsSection(
            proceedings=proceedings,
            no_contact=active,
            hearings=rows,
            may_edit=can(actor, Action.PROCEEDINGS_EDIT, case),
        )
    }


def _editable_case(request: AuthenticatedHttpRequest, public_id: str) -> tuple[Actor, Case]:
    return editable_case(
        request, public_id, action=Action.PROCEEDINGS_EDIT, group=FieldGroup.PROCEEDINGS
    )


# --- Proceedings ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def proceeding_create(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    form = ProceedingForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: proceeding_record(actor=actor, case=case, **form.values()),
        success=_("The proceedings were recorded."),
        done=case_url(case, "proceedings"),
        template="cases/proceeding_form.html",
        context={"case": case, "title": _("Record proceedings")},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def proceeding_edit(
    request: AuthenticatedHttpRequest, public_id: str, proceeding_id: int
) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    proceeding = access_proceeding(actor, case, proceeding_id)
    form = ProceedingForm(request.POST or None, proceeding=proceeding)
    return form_view(
        request,
        form,
        save=lambda: proceeding_update(
            actor=actor,
            proceeding=proceeding,
            expected_version=form.cleaned_data["version"],
            changes=form.values(),
        ),
        success=_("The proceedings were saved."),
        done=case_url(case, "proceedings"),
        template="cases/proceeding_form.html",
        context={"case": case, "title": _("Edit proceedings")},
    )


# --- The no-contact list -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def no_contact_create(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    form = NoContactForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: no_contact_add(
            actor=actor,
            case=case,
            **cleaned(form, "name", "description"),
        ),
        success=_("The person was put on the no-contact list."),
        done=case_url(case, "no-contact"),
        template="cases/no_contact_form.html",
        context={"case": case},
    )


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def no_contact_delete(
    request: AuthenticatedHttpRequest, public_id: str, entry_id: int
) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    entry = get_object_or_404(NoContactPerson.objects.live(), pk=entry_id, case=case)
    entry.case = case
    form = NoContactRemoveForm(request.POST or None)
    return form_view(
        request,
        form,
        save=lambda: no_contact_remove(
            actor=actor, entry=entry, reason=form.cleaned_data["reason"]
        ),
        success=_("The person was taken off the no-contact list."),
        done=case_url(case, "no-contact"),
        template="cases/no_contact_remove.html",
        context={"case": case, "entry": entry},
    )


# --- Interviews and hearings ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def hearing_create(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    form = HearingForm(request.POST or None, case=case)
    return form_view(
        request,
        form,
        save=lambda: hearing_schedule(actor=actor, case=case, **form.values()),
        success=_("The interview or hearing was scheduled."),
        done=case_url(case, "hearings"),
        template="cases/hearing_form.html",
        context={"case": case, "title": _("Schedule an interview or hearing")},
    )


def _hearing(case: Case, hearing_id: int) -> Hearing:
    # Through the case: the hearing's case is the same object (what is shared of it is worked
    # out once).
    return get_object_or_404(case.hearings, pk=hearing_id, cancelled_at__isnull=True)


@require_http_methods(["GET", "POST"])
@actor_required(Action.CASE_VIEW)
def hearing_edit(
    request: AuthenticatedHttpRequest, public_id: str, hearing_id: int
) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
    hearing = _hearing(case, hearing_id)
    form = HearingForm(request.POST or None, case=case, hearing=hearing)
    return form_view(
        request,
        form,
        save=lambda: hearing_update(
            actor=actor,
            hearing=hearing,
            expected_version=form.cleaned_data["version"],
            changes=form.values(),
        ),
        success=_("The interview or hearing was saved."),
        done=case_url(case, "hearings"),
        template="cases/hearing_form.html",
        context={
            "case": case,
            "hearing": hearing,
            "title": _("Change an interview or hearing"),
        },
    )


@require_POST
@actor_required(Action.CASE_VIEW)
def hearing_cancel_view(
    request: AuthenticatedHttpRequest, public_id: str, hearing_id: int
) -> HttpResponse:
    actor, case = _editable_case(request, public_id)
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
