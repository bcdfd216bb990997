"""Import a referral received from outside OpenTRM (a JSON file), and the referral page's
section that shows what such a file brought.

Thin views: the action gate (REFERRAL_RESPOND), then the service, which re-checks the actor,
validates the file and stores nothing when anything is wrong.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from opentrm.accounts.decorators import actor_required
from opentrm.accounts.http import AuthenticatedHttpRequest
from opentrm.accounts.policy import Access, Action, Actor, FieldGroup
from opentrm.core.views import form_view
from opentrm.referrals import selectors
from opentrm.referrals.access import is_receiver
from opentrm.referrals.forms_import import ImportForm
from opentrm.referrals.models import Referral, ReferralStatus
from opentrm.referrals.services import importing
from opentrm.referrals.services.requests import FIELDS

S = ReferralStatus
# Before the receiver takes it in hand it sees the minimal offer only (as for every referral).
_OFFER_ONLY = (S.DRAFT, S.SENT, S.DECLINED, S.WITHDRAWN)


@require_http_methods(["GET", "POST"])
@actor_required(Action.REFERRAL_RESPOND)
def referral_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = request.actor
    form = ImportForm(request.POST or None, request.FILES or None)

    def save() -> Referral:
        raw = form.cleaned_data["file"].read(importing.MAX_BYTES + 1)
        try:
            return importing.referral_import(actor=actor, raw=raw)
        except ValidationError as error:  # every problem is one of the file's
            raise ValidationError({"file": error.messages}) from None

    return form_view(
        request,
        form,
        save=save,
        success=lambda referral: (
            _("The referral was imported as %(reference)s: it is in your inbox.")
            % {"reference": referral.reference}
        ),
        done=lambda referral: redirect("referrals:referral_detail", referral.public_id),
        template="referrals/import_form.html",
        context={"max_errors": importing.MAX_PROBLEMS},
    )


# --- the referral page's section --------------------------------------------------------------


@dataclass
class ImportedValue:
    code: str
    label: str
    group: str
    value: str
    unknown: bool


@dataclass
class ImportedSection:
    reference: str
    node: str
    exported_at: str | None
    imported_at: str | None
    age_band: str
    sex: str
    languages: list[str]
    values: list[ImportedValue] = field(default_factory=list)
    hidden_until_acknowledged: bool = False
    from_node: bool = False  # delivered by another OpenTRM node rather than imported as a file
    withheld_by_role: int = 0


def import_context(actor: Actor, referral: Referral) -> dict[str, Any]:
    """``referrals/_imported_section.html``: what a file received from outside OpenTRM said.
    The receiver sees the person's fields once it acknowledged, those its role may view; that
    reading is audited with the groups shown. One query."""
    imported = importing.imported_of(referral) if referral.case_id is None else None
    if imported is None:
        return {"imported": None}
    person = imported.get("person") or {}
    section = ImportedSection(
        reference=str(imported.get("reference", "")),
        node=str(imported.get("node") or ""),
        exported_at=imported.get("exported_at"),
        imported_at=imported.get("imported_at"),
        age_band=str(person.get("age_band") or ""),
        sex=str(person.get("sex") or ""),
        languages=[str(code) for code in person.get("languages") or []],
        from_node=imported.get("via") == "node_exchange",
    )
    if is_receiver(actor, referral):
        section.hidden_until_acknowledged = referral.status in _OFFER_ONLY
        shown: set[FieldGroup] = set()
        if not section.hidden_until_acknowledged:
            known = {g.value for g in FieldGroup}
            for code, item in (imported.get("data") or {}).items():
                group_code = str(item.get("group", ""))
                if group_code not in known:
                    continue
                group = FieldGroup(group_code)
                if actor.field_group_access(group) < Access.VIEW:
                    section.withheld_by_role += 1
                    continue
                shown.add(group)
                known_field = FIELDS.get(code)
                section.values.append(
                    ImportedValue(
                        code=code,
                        label=str(known_field.label) if known_field else str(item.get("label")),
                        group=group_code,
                        value=str(item.get("value", "")),
                        unknown=known_field is None,
                    )
                )
        if section.values:
            selectors.request_read(actor=actor, referral=referral, groups=shown, via="web")
    return {"imported": section}
