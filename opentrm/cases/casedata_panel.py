"""The case page's panel of the case's own data: how the person came to notice, the countries,
the exploitation and the references, the assistance and witness status with their history,
the information given to the person, and the closures. Each part shows only where the reader
sees its field group; free text (a reason, closure details) belongs to its group too."""

from typing import Any

from opentrm.accounts.policy import Action, Actor, FieldGroup, can
from opentrm.cases.access import editable_groups, visible_groups
from opentrm.cases.models import Case, CountryRole, InformationGiven
from opentrm.cases.services.case_data import EDITABLE_ROLES, case_countries
from opentrm.cases.services.closure import case_closures
from opentrm.cases.services.statuses import ASSISTANCE, WITNESS, status_histories

_G = FieldGroup
_STATUS_GROUP = {ASSISTANCE: (_G.ASSISTANCE, "assistance"), WITNESS: (_G.PROCEEDINGS, "witness")}


def _statuses(actor: Actor, case: Case, groups: frozenset[FieldGroup]) -> list[dict[str, Any]]:
    histories = status_histories(
        case, [attribute for attribute, (group, _word) in _STATUS_GROUP.items() if group in groups]
    )
    shown = []
    for attribute, (group, word) in _STATUS_GROUP.items():
        edit = Action.ASSISTANCE_EDIT if group == _G.ASSISTANCE else Action.PROCEEDINGS_EDIT
        shown.append(
            {
                "word": word,
                "display": getattr(case, f"get_{attribute}_display")(),
                "overridden": getattr(case, f"{attribute}_overridden"),
                "history": histories.get(attribute),
                "can_override": can(actor, edit, case),
            }
        )
    return shown


def case_data_panel(actor: Actor, case: Case) -> dict[str, Any]:
    groups = visible_groups(actor, case)
    labels = dict(CountryRole.choices)
    countries = case_countries(case) if _G.TRAVEL in groups else {}
    assistance = _G.ASSISTANCE in groups
    return {
        "case": case,
        "can_edit": bool(editable_groups(actor, case) & {_G.TRAVEL, _G.ASSISTANCE, _G.PROCEEDINGS}),
        "show_travel": _G.TRAVEL in groups,
        "countries": [(labels[role], countries.get(role, [])) for role in EDITABLE_ROLES],
        "show_assistance": assistance,
        "exploitation": list(case.exploitation_types.all()) if assistance else [],
        "show_proceedings": _G.PROCEEDINGS in groups,
        "statuses": _statuses(actor, case, groups),
        "information": list(
            InformationGiven.objects.filter(case=case).select_related("given_by", "given_for")
        )
        if assistance
        else None,
        "can_inform": can(actor, Action.ASSISTANCE_EDIT, case),
        "closures": case_closures(case),
        "closure_details_shown": assistance,
    }
