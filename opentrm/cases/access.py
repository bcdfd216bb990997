"""Fetching one case for an actor: 404 when it does not exist or is not theirs, 403 when it is
theirs but the action is not (one thing in it: ``cases.lookups``); what of it an organisation
that does not own it sees; and the case rules of ``accounts.policy`` (``@rule``): who may do
what on a case."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Literal, NoReturn

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from opentrm.accounts.policy import Access, Action, Actor, FieldGroup, can, rule
from opentrm.agreements.selectors import allowed_categories
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.emergency import active_emergency_access
from opentrm.cases.models import (
    Assessment,
    Case,
    CaseDocument,
    CaseNote,
    CaseParticipant,
    ConsentPurpose,
    ConsentRecord,
    Hearing,
    Task,
)
from opentrm.cases.selectors import consent_in_force, consent_takers
from opentrm.catalogue.loader import PROCEEDINGS_SOP
from opentrm.directory.models import Organisation, OrganisationType

Intent = Literal["view", "delete"]


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
    if action == "delete" and not can(actor, Action.CASE_DELETE, case):
        raise PermissionDenied
    return case


# --- Who may widen access to a case (docs/permissions.md, "Who may widen access to a case") -----
#
# Every write that lets an organisation see more of a case (a consent, a consent-taker, a
# participant, a referral and what it shares, a loosened child safeguard) belongs to the case's
# owner organisation. A participant reads and works on what it was given; it never widens
# access for itself or for anyone else. The services ask ``can(actor, action, case)``, which
# dispatches to the rules below, and ``refuse_widening`` audits a refusal.


def acts_for_owner(actor: Actor, case: Case) -> bool:
    """The actor acts for the organisation that owns the case."""
    return actor.is_member and actor.organisation_id == case.owner_organisation_id


def require_open(case: Case) -> None:
    """A closed case is read-only until it is reopened (SOP-T8), and so is every case of a
    person whose data is under a restriction of processing (GDPR art. 18): every write
    refuses it."""
    if case.is_closed:
        raise PermissionDenied(_("The case is closed. Reopen it to change it."))
    if case.is_restricted:
        raise PermissionDenied(RESTRICTED)


RESTRICTED = _lazy(
    "Processing of this person's data is restricted (GDPR art. 18): it is kept, not changed, "
    "shared, referred, sent or exported until the restriction is lifted."
)

# While a restriction lasts, an organisation that does not own the case (is not the controller)
# keeps reading only what the establishment, exercise or defence of legal claims needs (art.
# 18(2)): who the person is and the proceedings.
_LEGAL_CLAIMS = frozenset({FieldGroup.IDENTITY, FieldGroup.PROCEEDINGS})


def writable(case: Case) -> bool:
    """Neither closed nor under a restriction of processing."""
    return not case.is_closed and not case.is_restricted


@rule(Action.CASE_DELETE, Case)
def _delete_case(actor: Actor, case: Case) -> bool:
    """Only a case manager of the organisation that owns the case deletes it (softly)."""
    return actor.may(Action.CASE_DELETE) and acts_for_owner(actor, case) and writable(case)


@rule(Action.CASE_ACCESS_REVIEW, Case)
def _review_access(actor: Actor, case: Case) -> bool:
    """Who opened the case file and why: the owner organisation's case managers (and a child's
    guardian there, who acts as case manager)."""
    return actor.may(Action.CASE_ACCESS_REVIEW) and acts_for_owner(actor, case)


@rule(Action.CASE_CLOSE, Case)
def _close_case(actor: Actor, case: Case) -> bool:
    """Closing an open case ends everyone's work on it: a case manager of the owner."""
    return actor.may(Action.CASE_CLOSE) and acts_for_owner(actor, case) and writable(case)


@rule(Action.CASE_REOPEN, Case)
def _reopen_case(actor: Actor, case: Case) -> bool:
    """A closed case is reopened by those who may close it: a case manager of the owner."""
    return (
        actor.may(Action.CASE_CLOSE)
        and acts_for_owner(actor, case)
        and case.is_closed
        and not case.is_restricted
    )


@rule(Action.CONSENT_RECORD, Case)
def _record_consent(actor: Actor, case: Case) -> bool:
    """Record, correct or withdraw the person's consent decisions: a member with
    ``consent.record`` of the owner organisation, or of an organisation the owner named as
    consent-taker for this case (``CaseParticipant.takes_consent``)."""
    return (
        actor.may(Action.CONSENT_RECORD)
        and not case.is_closed
        and actor.organisation_id is not None
        and actor.organisation_id in consent_takers(case)
    )


@rule(Action.CASE_PARTICIPANTS_MANAGE, Case)
def _manage_participants(actor: Actor, case: Case) -> bool:
    """Add and remove participating organisations, name or un-name a consent-taker: a case
    manager of the owner organisation."""
    return (
        actor.may(Action.CASE_PARTICIPANTS_MANAGE)
        and acts_for_owner(actor, case)
        and writable(case)
    )


@rule(Action.CASE_PARTICIPANTS_MANAGE, CaseParticipant)
def _set_case_manager(actor: Actor, participant: CaseParticipant) -> bool:
    """A case manager of the participating organisation names its case manager."""
    return (
        actor.may(Action.CASE_PARTICIPANTS_MANAGE)
        and actor.organisation_id == participant.organisation_id
        and participant.is_active
    )


@rule(Action.REFERRAL_SEND, Case)
def _refer_case(actor: Actor, case: Case) -> bool:
    """Refer the case to another organisation (and so choose what the referral shares): a
    member with ``referral.send`` of the owner organisation. A participant may take its own
    steps on a referral it received, and a focal point may route one addressed to it, but it
    never refers the owner's case onward."""
    return actor.may(Action.REFERRAL_SEND) and acts_for_owner(actor, case) and writable(case)


@rule(Action.CHILD_SAFEGUARDS_LOOSEN, Case)
def _loosen_child_safeguards(actor: Actor, case: Case) -> bool:
    """Record a child safeguard that opens something (lifting an asylum indication, a welfare
    clearance or best-interests determination that lets a return go ahead, family tracing in
    the child's best interests, an age assessment finding an adult): the owner organisation,
    with edit access to child protection."""
    return acts_for_owner(actor, case) and (
        actor.field_group_access(FieldGroup.CHILD_PROTECTION) >= Access.EDIT
    )


def refuse_widening(actor: Actor, case: Case, *, action: str) -> NoReturn:
    """Audit a refused attempt to widen access to ``case`` and raise PermissionDenied.

    The event is written at once; call this before opening the service's transaction (a
    refusal inside it would roll the event back with everything else)."""
    record_event(
        event_type=EventType.ACCESS_DENIED,
        actor=actor,
        target=case,
        detail={"action": action, "case_id": case.pk, "reason": "not_owner"},
    )
    raise PermissionDenied


def require_widening(allowed: bool, actor: Actor, case: Case, *, action: str) -> None:
    """``refuse_widening`` unless ``allowed``."""
    if not allowed:
        refuse_widening(actor, case, action=action)


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
    if not writable(case):  # read-only until reopened or the restriction is lifted
        role_access = min(role_access, Access.VIEW)
    if role_access == Access.NONE or actor.organisation_id == case.owner_organisation_id:
        return role_access
    if case.is_restricted and group not in _LEGAL_CLAIMS:
        return Access.NONE
    if group in _shared_groups(actor, case):
        return role_access
    # Break-the-glass: what the role may read, nothing to edit, while the access lasts.
    if active_emergency_access(actor, case) is not None:
        return min(role_access, Access.VIEW)
    return Access.NONE


def group_accesses(actor: Actor, case: Case) -> dict[FieldGroup, Access]:
    """``group_access`` of every group (the owner's members, most rows of a list, in one step)."""
    if actor.organisation_id == case.owner_organisation_id:
        cap = Access.VIEW if case.is_closed else Access.EDIT
        return {g: min(actor.field_group_access(g), cap) for g in FieldGroup}
    return {g: group_access(actor, case, g) for g in FieldGroup}


def visible_groups(actor: Actor, case: Case) -> frozenset[FieldGroup]:
    return frozenset(g for g, a in group_accesses(actor, case).items() if a >= Access.VIEW)


def editable_groups(actor: Actor, case: Case) -> frozenset[FieldGroup]:
    return frozenset(g for g, a in group_accesses(actor, case).items() if a >= Access.EDIT)


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


@rule(Action.CASE_SHARING_VIEW, Case)
def _view_sharing(actor: Actor, case: Case) -> bool:
    """Which agreements and consents widen access to a case is the owner's to see: members of
    the owner organisation whose role sees cases (issue 9)."""
    return actor.may(Action.CASE_VIEW) and case.owner_organisation_id == actor.organisation_id


# --- The field groups of a case: view and edit, as actions on the case ---------------------------

GROUP_ACTIONS: dict[Action, tuple[FieldGroup, Access]] = {
    Action.ASSISTANCE_VIEW: (FieldGroup.ASSISTANCE, Access.VIEW),
    Action.ASSISTANCE_EDIT: (FieldGroup.ASSISTANCE, Access.EDIT),
    Action.HEALTH_VIEW: (FieldGroup.HEALTH, Access.VIEW),
    Action.HEALTH_EDIT: (FieldGroup.HEALTH, Access.EDIT),
    Action.PROCEEDINGS_VIEW: (FieldGroup.PROCEEDINGS, Access.VIEW),
    Action.PROCEEDINGS_EDIT: (FieldGroup.PROCEEDINGS, Access.EDIT),
    Action.CHILD_PROTECTION_VIEW: (FieldGroup.CHILD_PROTECTION, Access.VIEW),
    Action.CHILD_PROTECTION_EDIT: (FieldGroup.CHILD_PROTECTION, Access.EDIT),
}


def _group_rule(group: FieldGroup, level: Access) -> Callable[[Actor, Case], bool]:
    def decide(actor: Actor, case: Case) -> bool:
        return group_access(actor, case, group) >= level

    return decide


for _action, (_group, _level) in GROUP_ACTIONS.items():
    rule(_action, Case)(_group_rule(_group, _level))


# --- Documents and notes -------------------------------------------------------------------------


@rule(Action.DOCUMENT_ADD, Case)
def _add_documents(actor: Actor, case: Case) -> bool:
    return actor.may(Action.DOCUMENT_ADD) and bool(editable_groups(actor, case))


def _document_group_access(actor: Actor, document: CaseDocument) -> Access:
    """What the actor may do with the document's field group of its case (``document.case``:
    callers set it to the case they hold, so what is shared is worked out once)."""
    try:
        group = FieldGroup(document.field_group)
    except ValueError:
        return Access.NONE
    return group_access(actor, document.case, group)


@rule(Action.DOCUMENT_VIEW, CaseDocument)
def _view_document(actor: Actor, document: CaseDocument) -> bool:
    """Its field group decides, narrowed for an organisation that does not own the case by
    what is shared with it."""
    return _document_group_access(actor, document) >= Access.VIEW


@rule(Action.DOCUMENT_DELETE, CaseDocument)
def _delete_document(actor: Actor, document: CaseDocument) -> bool:
    """The organisation that added a document deletes it, with edit rights on its group."""
    return (
        actor.may(Action.DOCUMENT_ADD)
        and document.organisation_id == actor.organisation_id
        and _document_group_access(actor, document) >= Access.EDIT
    )


@rule(Action.ASSISTANCE_EDIT, Assessment)
def _edit_assessment(actor: Actor, assessment: Assessment) -> bool:
    """An assessment is signed by the organisation that made it: only it changes it, with
    edit access to the case's assistance data (``assessment.case``: set by the caller)."""
    return assessment.organisation_id == actor.organisation_id and can(
        actor, Action.ASSISTANCE_EDIT, assessment.case
    )


@rule(Action.TASK_MANAGE, Task)
def _manage_task(actor: Actor, task: Task) -> bool:
    """A task belongs to one organisation on the case: only it completes or reopens it."""
    return actor.may(Action.TASK_MANAGE) and task.organisation_id == actor.organisation_id


@rule(Action.NOTE_DELETE, CaseNote)
def _delete_note(actor: Actor, note: CaseNote) -> bool:
    """A note is deleted by its author's organisation."""
    return actor.may(Action.NOTE_ADD) and note.organisation_id == actor.organisation_id


def hearing_participants_hidden(actor: Actor, case: Case, hearing: Hearing) -> bool:
    """The people attending a hearing are read only by those who may view the field group the
    writer filed them under (issue 17 §8; default proceedings)."""
    try:
        group = FieldGroup(hearing.participants_group)
    except ValueError:
        return True
    return group_access(actor, case, group) < Access.VIEW


def hide_hearing_participants(actor: Actor, case: Case, hearings: list[Hearing]) -> list[Hearing]:
    """The hearings as the actor may read them: the people attending emptied (in memory,
    never saved) where their group is not the actor's to view."""
    for hearing in hearings:
        if hearing_participants_hidden(actor, case, hearing):
            hearing.participants = ""
    return hearings


# --- Measures and identification -----------------------------------------------------------------


def sop_visible(actor: Actor, case: Case, sop_code: str) -> bool:
    """Proceedings measures are proceedings data: only actors who see that field group of the
    case (the role, and for an organisation that does not own it, what is shared)."""
    return sop_code != PROCEEDINGS_SOP or can(actor, Action.PROCEEDINGS_VIEW, case)


def measure_notes_visible(actor: Actor, case: Case, sop_code: str) -> bool:
    """A measure's notes are free text about the person's assistance: they belong to the
    assistance group (the proceedings SOP's to proceedings), so a role or an organisation denied
    that group sees the measure but not its notes, and cannot write them."""
    if sop_code == PROCEEDINGS_SOP:
        return can(actor, Action.PROCEEDINGS_VIEW, case)
    return can(actor, Action.ASSISTANCE_VIEW, case)


@rule(Action.IDENTIFICATION_FORMAL, Case)
def _identify_formally(actor: Actor, case: Case) -> bool:
    """Only roles configured for the actor's own country (default: reference ACT-53) formally
    identify; the case does not change that."""
    # The services import this module: import the country's settings reader when asked.
    from opentrm.cases.services.case_settings import country_settings, identifying_roles

    if actor.membership is None:
        return False
    configured = country_settings(actor.membership.organisation.country)
    return actor.role in identifying_roles(configured)


# --- Per-object permissions for templates: ``perms.can_x``, never an id comparison ---------------


@dataclass(frozen=True)
class CasePermissions:
    """What the actor may do on one case; each answer is worked out when a template asks."""

    actor: Actor
    case: Case

    @cached_property
    def can_record_consent(self) -> bool:
        return can(self.actor, Action.CONSENT_RECORD, self.case)

    @cached_property
    def can_refer(self) -> bool:
        return can(self.actor, Action.REFERRAL_SEND, self.case)

    @cached_property
    def can_view_sharing(self) -> bool:
        return can(self.actor, Action.CASE_SHARING_VIEW, self.case)

    @cached_property
    def can_close(self) -> bool:
        return can(self.actor, Action.CASE_CLOSE, self.case)

    @cached_property
    def can_reopen(self) -> bool:
        return can(self.actor, Action.CASE_REOPEN, self.case)


def case_permissions(actor: Actor, case: Case) -> CasePermissions:
    return CasePermissions(actor=actor, case=case)


@dataclass(frozen=True)
class AssessmentPermissions:
    """What the actor may do with one assessment of a case."""

    can_edit: bool


def assessment_permissions(
    actor: Actor, case: Case, assessment: Assessment
) -> AssessmentPermissions:
    assessment.case = case  # the same object: what is shared of it is worked out once
    return AssessmentPermissions(can_edit=can(actor, Action.ASSISTANCE_EDIT, assessment))


def may_search_names(actor: Actor) -> bool:
    """Whether the case list offers a search by name: only to roles that see identity data (the
    search reaches only the cases the actor's own organisation owns, ``cases.search``)."""
    return actor.field_group_access(FieldGroup.IDENTITY) >= Access.VIEW


# --- Labour inspections (issue 14 part C, LAB-03) ----------------------------------------------


def may_record_labour_inspection(actor: Actor) -> bool:
    """A member of a labour inspectorate whose role registers cases records inspections."""
    return (
        actor.may(Action.CASE_REGISTER)
        and actor.membership is not None
        and actor.membership.organisation.type == OrganisationType.LABOUR_INSPECTORATE
    )
