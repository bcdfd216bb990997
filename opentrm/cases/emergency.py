"""Break-the-glass (issue 17 §2): who may open a case in an emergency, and whether an actor
holds such an access now. The writes are in ``services/emergency.py``.

A member whose role does case work (``case.emergency_open``) may open a case of her own
country that her organisation is not on. The access is hers alone, for the organisation she
acted for, until it expires; it shows the field groups her role may see and makes none
editable (``access.group_access``).
"""

from django.utils import timezone

from opentrm.accounts.policy import Action, Actor, rule
from opentrm.cases.models import Case, CaseParticipant, EmergencyAccess
from opentrm.cases.querysets import emergency_case_ids


def active_emergency_access(actor: Actor, case: Case) -> EmergencyAccess | None:
    """The actor's emergency access to ``case`` in force now (cached on the case object)."""
    cache: dict[tuple[int | None, int | None], EmergencyAccess | None] = case.__dict__.setdefault(
        "_emergency_cache", {}
    )
    key = (actor.user_id, actor.organisation_id)
    if actor.user_id is None or actor.organisation_id is None:
        return None
    if key not in cache and case.pk not in emergency_case_ids(actor):
        # The user's accesses in force are known for the request (``emergency_case_ids``,
        # read by ``access_case``'s visibility filter): none for this case, no query.
        cache[key] = None
    if key not in cache:
        cache[key] = (
            EmergencyAccess.objects.filter(
                case=case,
                user_id=actor.user_id,
                organisation_id=actor.organisation_id,
                expires_at__gt=timezone.now(),
            )
            .order_by("-expires_at")
            .first()
        )
    return cache[key]


def prime_emergency_access(actor: Actor, cases: list[Case]) -> None:
    """``active_emergency_access`` for every case of a list in one query, cached on each."""
    if actor.user_id is None or actor.organisation_id is None or not cases:
        return
    # The user's accesses in force are known for the request (``emergency_case_ids``, read
    # by the lists' visibility filter): no query when none is for these cases, the usual.
    held = set(emergency_case_ids(actor))
    wanted = [case.pk for case in cases if case.pk in held]
    found: dict[int, EmergencyAccess] = {}
    if wanted:
        for access in EmergencyAccess.objects.filter(
            case_id__in=wanted,
            user_id=actor.user_id,
            organisation_id=actor.organisation_id,
            expires_at__gt=timezone.now(),
        ).order_by("expires_at"):
            found[access.case_id] = access  # the latest expiry wins
    key = (actor.user_id, actor.organisation_id)
    for case in cases:
        case.__dict__.setdefault("_emergency_cache", {})[key] = found.get(case.pk)


@rule(Action.CASE_EMERGENCY_OPEN, Case)
def _open_in_emergency(actor: Actor, case: Case) -> bool:
    """A case-work role of an organisation of the case's country that is not on the case."""
    if not actor.may(Action.CASE_EMERGENCY_OPEN) or case.is_deleted:
        return False
    if actor.organisation_id is None or actor.country_id != case.owner_organisation.country_id:
        return False
    return not CaseParticipant.objects.filter(
        case=case, organisation_id=actor.organisation_id, is_active=True
    ).exists()
