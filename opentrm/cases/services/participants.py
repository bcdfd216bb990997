"""The organisations taking part in a case and the case manager of each (issue 3 §2).

A case manager of the organisation that owns the case adds organisations of the owner's
country from the directory, and removes them again (softly; never the owner). Handing a case
over to another country is a referral (issue 4), not this. Each participating organisation's
case managers name their own organisation's case manager.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.models import User
from opentrm.accounts.policy import ROLE_ACTIONS, Action, Actor, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import access
from opentrm.cases.models import Case, CaseParticipant
from opentrm.directory.models import Organisation

# Who may be an organisation's case manager: its members whose role does case work (the
# interpreter, who only reads, cannot coordinate a case).
MANAGER_ROLES = frozenset(
    role.value for role, actions in ROLE_ACTIONS.items() if Action.TASK_MANAGE in actions
)


def active_participants(case: Case) -> models.QuerySet[CaseParticipant]:
    return (
        CaseParticipant.objects.filter(case=case, is_active=True)
        .select_related("organisation__country", "case_manager")
        .order_by("created_at", "id")
    )


def addable_organisations(case: Case) -> models.QuerySet[Organisation]:
    """Active organisations of the owner's country not yet taking part."""
    taking_part = CaseParticipant.objects.filter(case=case, is_active=True).values(
        "organisation_id"
    )
    return (
        Organisation.objects.filter(is_active=True, country_id=case.owner_organisation.country_id)
        .exclude(pk__in=taking_part)
        .select_related("country")
        .order_by("name")
    )


def case_manager_candidates(organisation_id: int) -> models.QuerySet[User]:
    """Active members of the organisation whose role does case work."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__organisation_id=organisation_id,
            memberships__role__in=MANAGER_ROLES,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def participant_add(*, actor: Actor, case: Case, organisation: Organisation) -> CaseParticipant:
    """Add an organisation of the owner's country to the case; its members then see the case,
    and of its personal data only what the owner shares with them (``access.sharing_with``:
    consent and an agreement in force), as for an organisation that joined by referral."""
    require(actor, Action.CASE_PARTICIPANTS_MANAGE)
    access.require_widening(
        can(actor, Action.CASE_PARTICIPANTS_MANAGE, case), actor, case, action="participant.add"
    )
    return _add(actor=actor, case=case, organisation=organisation)


@transaction.atomic
def _add(*, actor: Actor, case: Case, organisation: Organisation) -> CaseParticipant:
    if not organisation.is_active:
        raise ValidationError({"organisation": _("Pick an active organisation.")})
    if organisation.country_id != case.owner_organisation.country_id:
        raise ValidationError(
            {
                "organisation": _(
                    "Only organisations of the case's country can be added here. "
                    "Handing the case over to another country is a referral."
                )
            }
        )
    participant = _activate(
        case=case, organisation_id=organisation.pk, added_by=actor.user, shared_cap=None
    )
    if participant is None:
        raise ValidationError({"organisation": _("This organisation already takes part.")})
    _audit_added(actor, participant, {})
    return participant


def _activate(
    *, case: Case, organisation_id: int, added_by: User | None, shared_cap: list[str] | None
) -> CaseParticipant | None:
    """Put the organisation on the case (or back on it); None when it already takes part
    (also when it joined by another path at the same moment). ``shared_cap``: the groups a
    referral offered (None: no cap, as for an organisation the owner adds)."""
    participant = (
        CaseParticipant.objects.select_for_update()
        .filter(case=case, organisation_id=organisation_id)
        .first()
    )
    if participant is not None and participant.is_active:
        return None
    extra = {} if shared_cap is None else {"shared_cap": shared_cap}
    if participant is not None:
        participant.is_active = True
        participant.added_by = added_by
        for name, value in extra.items():
            setattr(participant, name, value)
        participant.save(update_fields=["is_active", "added_by", *extra, "updated_at"])
        return participant
    try:
        with transaction.atomic():
            return CaseParticipant.objects.create(
                case=case, organisation_id=organisation_id, added_by=added_by, **extra
            )
    except IntegrityError:  # joined by another path at the same moment
        return None


def _audit_added(actor: Actor, participant: CaseParticipant, detail: dict[str, object]) -> None:
    record_event(
        event_type=EventType.PARTICIPANT_ADDED,
        actor=actor,
        target=participant,
        detail={
            "case_id": participant.case_id,
            "organisation_id": participant.organisation_id,
            **detail,
        },
    )


def participant_join(
    *,
    actor: Actor,
    case: Case,
    organisation_id: int,
    shared_cap: list[str],
    referral_id: int,
) -> CaseParticipant | None:
    """The receiver of an accepted referral joins the case (or rejoins it), seeing at most
    ``shared_cap`` (what the referral offered, even if more is allowed later); audited
    ``PARTICIPANT_ADDED``. None when it already takes part (e.g. added by the owner
    meanwhile): the referral then did not give it its place and will not take it away.
    Call inside the step's transaction; the referral's step decided who may do this."""
    participant = _activate(
        case=case, organisation_id=organisation_id, added_by=actor.user, shared_cap=shared_cap
    )
    if participant is not None:
        _audit_added(actor, participant, {"referral_id": referral_id})
    return participant


def participant_leave(*, actor: Actor, participant_id: int, referral_id: int | None = None) -> bool:
    """End an organisation's place on a case (softly): its members no longer see the case,
    and a consent-taker stops being one. Audited ``PARTICIPANT_REMOVED`` whenever a place
    ends, on every path (the owner's removal, a referral declined or withdrawn, here or on a
    peer node); False when it had already ended. Call inside the caller's transaction."""
    participant = CaseParticipant.objects.filter(pk=participant_id).first()
    if participant is None:
        return False
    updated = CaseParticipant.objects.filter(pk=participant_id, is_active=True).update(
        is_active=False, takes_consent=False, updated_at=timezone.now()
    )
    if not updated:
        return False
    detail: dict[str, object] = {
        "case_id": participant.case_id,
        "organisation_id": participant.organisation_id,
    }
    if referral_id is not None:
        detail["referral_id"] = referral_id
    record_event(
        event_type=EventType.PARTICIPANT_REMOVED, actor=actor, target=participant, detail=detail
    )
    return True


def participant_remove(*, actor: Actor, participant: CaseParticipant) -> CaseParticipant:
    """Take an organisation off the case (its members no longer see it); never the owner.
    A consent-taker taken off stops being one: the consents it recorded stop counting."""
    require(actor, Action.CASE_PARTICIPANTS_MANAGE)
    case = participant.case
    access.require_widening(
        can(actor, Action.CASE_PARTICIPANTS_MANAGE, case), actor, case, action="participant.remove"
    )
    return _remove(actor=actor, participant=participant)


@transaction.atomic
def _remove(*, actor: Actor, participant: CaseParticipant) -> CaseParticipant:
    case = participant.case
    if participant.organisation_id == case.owner_organisation_id:
        raise ValidationError(_("The organisation that owns the case cannot be removed."))
    participant_leave(actor=actor, participant_id=participant.pk)
    participant.is_active = False
    participant.takes_consent = False
    return participant


@transaction.atomic
def participant_set_case_manager(
    *, actor: Actor, participant: CaseParticipant, case_manager: User | None
) -> CaseParticipant:
    """Name (or clear) the case manager of the actor's own organisation on the case."""
    require(actor, Action.CASE_PARTICIPANTS_MANAGE)
    if not can(actor, Action.CASE_PARTICIPANTS_MANAGE, participant):
        raise PermissionDenied
    if (
        case_manager is not None
        and not case_manager_candidates(participant.organisation_id)
        .filter(pk=case_manager.pk)
        .exists()
    ):
        raise ValidationError(
            {"case_manager": _("Pick an active member of your organisation who works on cases.")}
        )
    new_id = case_manager.pk if case_manager is not None else None
    if participant.case_manager_id == new_id:
        return participant
    participant.case_manager = case_manager
    participant.save(update_fields=["case_manager", "updated_at"])
    record_event(
        event_type=EventType.PARTICIPANT_CHANGED,
        actor=actor,
        target=participant,
        changed_fields=["case_manager"],
        detail={
            "case_id": participant.case_id,
            "organisation_id": participant.organisation_id,
            "case_manager_id": new_id,
        },
    )
    return participant


def participant_set_consent_taker(
    *, actor: Actor, participant: CaseParticipant, takes_consent: bool
) -> CaseParticipant:
    """Name (or un-name) a participating organisation as consent-taker for the case: its
    members with ``consent.record`` may then record and withdraw the person's consent
    decisions, as the owner does. Un-named, the decisions it recorded stop counting
    (``selectors.counted_consents``); the owner records them again if they still hold."""
    require(actor, Action.CASE_PARTICIPANTS_MANAGE)
    case = participant.case
    access.require_widening(
        can(actor, Action.CASE_PARTICIPANTS_MANAGE, case), actor, case, action="consent_taker.name"
    )
    return _set_consent_taker(actor=actor, participant=participant, takes_consent=takes_consent)


@transaction.atomic
def _set_consent_taker(
    *, actor: Actor, participant: CaseParticipant, takes_consent: bool
) -> CaseParticipant:
    if participant.organisation_id == participant.case.owner_organisation_id:
        raise ValidationError(_("The organisation that owns the case always takes consent."))
    updated = CaseParticipant.objects.filter(
        pk=participant.pk, is_active=True, takes_consent=not takes_consent
    ).update(takes_consent=takes_consent)
    participant.refresh_from_db(fields=["is_active", "takes_consent"])
    if not participant.is_active:
        raise ValidationError(_("This organisation no longer takes part in the case."))
    if updated:
        record_event(
            event_type=EventType.CONSENT_TAKER_NAMED
            if takes_consent
            else EventType.CONSENT_TAKER_UNNAMED,
            actor=actor,
            target=participant,
            changed_fields=["takes_consent"],
            detail={"case_id": participant.case_id, "organisation_id": participant.organisation_id},
        )
    return participant
