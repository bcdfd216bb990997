"""Fetching one case for an actor: 404 when it does not exist or is not theirs, 403 when it
is theirs but the action is not; and what of it an organisation that does not own it sees."""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Access, Actor, FieldGroup
from opentrm.accounts.roles import Role
from opentrm.agreements.selectors import allowed_categories
from opentrm.cases.models import Case, CaseParticipant, ConsentPurpose, ConsentRecord
from opentrm.cases.selectors import consent_in_force
from opentrm.directory.models import Organisation

Intent = Literal["view", "delete"]


def may_delete_case(actor: Actor, case: Case) -> bool:
    """Only a case manager of the organisation that owns the case deletes it (softly)."""
    return actor.role == Role.CASE_MANAGER and case.owner_organisation_id == actor.organisation_id


def access_case(actor: Actor, public_id: str, *, action: Intent = "view") -> Case:
    """The case with ``public_id`` if the actor's organisation takes part in it."""
    case: Case | None = (
        Case.objects.visible_to(actor)
        .select_related("person", "owner_organisation", "owner_organisation__country")
        .filter(public_id=public_id)
        .first()
    )
    if case is None:
        raise Http404
    if action == "delete" and not may_delete_case(actor, case):
        raise PermissionDenied
    return case


# --- The consent + agreement gate (issue 4; docs/permissions.md, rule 3) ------------------------


@dataclass(frozen=True)
class Sharing:
    """What the owner of a case may share with one organisation today, and why."""

    groups: frozenset[FieldGroup]
    consent: ConsentRecord | None
    agreement_groups: frozenset[FieldGroup]

    @property
    def missing(self) -> list[str]:
        """Why nothing (or less) is shared, worded for the sender."""
        reasons = []
        if self.consent is None:
            reasons.append(
                _("The person's consent to share data with this organisation is not recorded.")
            )
        if not self.agreement_groups:
            reasons.append(
                _("No agreement in force between the two organisations allows any personal data.")
            )
        return reasons


def sharing_with(case: Case, organisation: Organisation, *, on: date | None = None) -> Sharing:
    """The field groups of ``case`` the owner may share with ``organisation`` on a day: those an
    agreement in force between the two allows, and only while the person's consent to share
    with that organisation (or its country) is in force. The owner itself shares everything."""
    day = on or timezone.localdate()
    if organisation.pk == case.owner_organisation_id:
        every = frozenset(FieldGroup)
        return Sharing(groups=every, consent=None, agreement_groups=every)
    consent = consent_in_force(
        case=case, purpose=ConsentPurpose.SHARE_DATA, organisation=organisation, on=day
    )
    allowed = allowed_categories(case.owner_organisation_id, organisation.pk, day)
    return Sharing(
        groups=allowed if consent is not None else frozenset(),
        consent=consent,
        agreement_groups=allowed,
    )


def group_access(actor: Actor, case: Case, group: FieldGroup) -> Access:
    """What the actor may do with ``group`` of this case: the role's access, narrowed for an
    organisation that does not own the case by what the owner may share with it today."""
    role_access = actor.field_group_access(group)
    if role_access == Access.NONE or actor.organisation_id == case.owner_organisation_id:
        return role_access
    return role_access if group in _shared_groups(actor, case) else Access.NONE


def visible_groups(actor: Actor, case: Case) -> frozenset[FieldGroup]:
    return frozenset(g for g in FieldGroup if group_access(actor, case, g) >= Access.VIEW)


def editable_groups(actor: Actor, case: Case) -> frozenset[FieldGroup]:
    return frozenset(g for g in FieldGroup if group_access(actor, case, g) >= Access.EDIT)


def _shared_groups(actor: Actor, case: Case) -> frozenset[FieldGroup]:
    """Cached on the case object for the request: the case page asks for every section."""
    cache: dict[int | None, frozenset[FieldGroup]] = case.__dict__.setdefault("_shared_cache", {})
    key = actor.organisation_id
    if key not in cache:
        organisation = actor.membership.organisation if actor.membership else None
        cache[key] = (
            frozenset() if organisation is None else organisation_groups(case, organisation)
        )
    return cache[key]


def organisation_groups(case: Case, organisation: Organisation) -> frozenset[FieldGroup]:
    """The field groups of ``case`` an organisation may see today, whatever its members' roles:
    every group for the owner; for another organisation what the owner may share with it,
    capped by the referral that brought it (``capped``)."""
    if organisation.pk == case.owner_organisation_id:
        return frozenset(FieldGroup)
    cap = (
        CaseParticipant.objects.filter(case=case, organisation=organisation)
        .values_list("shared_cap", flat=True)
        .first()
    )
    return capped(sharing_with(case, organisation).groups, cap)


def capped(groups: frozenset[FieldGroup], cap: list[str] | None) -> frozenset[FieldGroup]:
    """An organisation that joined by a referral sees at most what that referral offered, even
    when consent and agreements would allow more later (``CaseParticipant.shared_cap``)."""
    if cap is None:
        return groups
    return groups & frozenset(group for group in FieldGroup if group.value in cap)
