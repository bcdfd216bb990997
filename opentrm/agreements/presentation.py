"""What pages, the PDF and the API show of a version: names resolved, codes labelled."""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from opentrm.accounts.policy import FieldGroup
from opentrm.agreements import states
from opentrm.agreements.models import AgreementParty, AgreementVersion, DataFlow, Signature
from opentrm.catalogue.loader import load_catalogue
from opentrm.directory.models import ContactPoint

CATEGORY_LABELS = {
    FieldGroup.IDENTITY: _("Identity"),
    FieldGroup.CONTACT: _("Contact details"),
    FieldGroup.HEALTH: _("Health"),
    FieldGroup.PROCEEDINGS: _("Proceedings"),
    FieldGroup.CHILD_PROTECTION: _("Child protection"),
    FieldGroup.TRAVEL: _("Travel and return"),
    FieldGroup.ASSISTANCE: _("Assistance (assessments, plans, services)"),
}


def category_choices() -> list[tuple[str, str]]:
    return [(group.value, str(CATEGORY_LABELS[group])) for group in FieldGroup]


def procedure_choices() -> list[tuple[str, str]]:
    return [(sop.code, sop.name) for sop in load_catalogue().sops]


def measure_choices() -> list[tuple[str, str]]:
    return [
        (measure.code, f"{measure.sop_code.upper()} · {measure.name}")
        for measure in load_catalogue().measures
    ]


def _label(choices: list[tuple[str, str]], code: str) -> str:
    return next((label for value, label in choices if value == code), code)


@dataclass(frozen=True)
class PartyView:
    party: AgreementParty
    procedures: list[str]
    measures: list[str]
    signature: Signature | None


@dataclass(frozen=True)
class FlowView:
    flow: DataFlow
    categories: list[str]  # approved by the sender: these flow
    pending: list[str]  # set by someone else, awaiting the sender's approval: these do not


@dataclass(frozen=True)
class VersionView:
    version: AgreementVersion
    parties: list[PartyView]
    flows: list[FlowView]
    officers: list[ContactPoint]
    signed_on: date | None


def version_view(version: AgreementVersion) -> VersionView:
    procedures, measures, categories = procedure_choices(), measure_choices(), category_choices()
    return VersionView(
        version=version,
        parties=[
            PartyView(
                party=party,
                procedures=[_label(procedures, code) for code in party.procedures],
                measures=[_label(measures, code) for code in party.measures],
                signature=states.signature_of(party),
            )
            for party in version.parties.all()
        ],
        flows=[
            FlowView(
                flow=flow,
                categories=[_label(categories, c) for c in flow.effective_categories],
                pending=[_label(categories, c) for c in flow.pending_categories],
            )
            for flow in version.flows.all()
            if flow.categories
        ],
        officers=list(version.designated_officers.all()),
        signed_on=states.signed_on(version),
    )
