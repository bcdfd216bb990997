"""What widens access to a case, for its owner (issue 9): per organisation taking part, the
agreements in force whose approved flows open field groups of the owner's cases to it, the
person's consent, and what it sees today as a result. Ids, names and codes only -- nothing of
the person."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from opentrm.accounts.policy import FieldGroup
from opentrm.agreements.presentation import CATEGORY_LABELS
from opentrm.agreements.selectors import Opening, openings_from
from opentrm.cases.access import capped
from opentrm.cases.models import Case, CaseParticipant, ConsentPurpose, ConsentRecord
from opentrm.cases.selectors import consent_in_force


@dataclass(frozen=True)
class ParticipantSharing:
    participant: CaseParticipant
    openings: list[Opening]  # agreements in force and the groups each lets flow to it
    consent: ConsentRecord | None  # the person's consent to share with it, if in force
    groups: frozenset[FieldGroup]  # what it sees today: agreements x consent, within the cap

    @property
    def agreement_groups(self) -> frozenset[FieldGroup]:
        return frozenset().union(*(opening.groups for opening in self.openings))


def group_labels(groups: frozenset[FieldGroup]) -> list[str]:
    """The groups' names, in the order of ``FieldGroup``."""
    return [str(CATEGORY_LABELS[group]) for group in FieldGroup if group in groups]


def case_sharing_overview(case: Case, *, on: date | None = None) -> list[ParticipantSharing]:
    """For every other organisation active on the case: why it sees what it sees. The
    agreements are read in a fixed number of queries; the consent costs one or two per
    organisation (the register's own rule, ``consent_in_force``)."""
    day = on or timezone.localdate()
    participants = list(
        CaseParticipant.objects.filter(case=case, is_active=True)
        .exclude(organisation_id=case.owner_organisation_id)
        .select_related("organisation__country")
        .order_by("organisation__name", "pk")
    )
    openings = openings_from(
        case.owner_organisation_id, [p.organisation_id for p in participants], day
    )
    rows = []
    for participant in participants:
        found = openings.get(participant.organisation_id, [])
        consent = consent_in_force(
            case=case,
            purpose=ConsentPurpose.SHARE_DATA,
            organisation=participant.organisation,
            on=day,
        )
        allowed: frozenset[FieldGroup] = frozenset().union(*(o.groups for o in found))
        groups = capped(allowed if consent is not None else frozenset(), participant.shared_cap)
        rows.append(
            ParticipantSharing(
                participant=participant, openings=found, consent=consent, groups=groups
            )
        )
    return rows
