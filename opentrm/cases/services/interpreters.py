"""Interpreters and cultural mediators on a case (SOP-I-4, REC-44, DP-26, DP-27).

An interpreter's role sees no case until assigned to it (``Case.objects.visible_to``); the
assignment records the confidentiality undertaking the interpreter signed. Assigning widens
access, so it is the owner organisation's case managers' write (``CASE_PARTICIPANTS_MANAGE``);
anyone else is refused and the attempt audited.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.models import User
from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import require_widening
from opentrm.cases.models import Case, CaseInterpreter
from opentrm.core.errors import ConflictError
from opentrm.directory.models import Organisation

MAX_LANGUAGES = 200


def interpreter_candidates(case: Case) -> models.QuerySet[User]:
    """Active interpreters of the organisations that take part in the case."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=Role.INTERPRETER,
            memberships__organisation__case_participations__case=case,
            memberships__organisation__case_participations__is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def active_interpreters(case: Case) -> models.QuerySet[CaseInterpreter]:
    return case.interpreters.filter(ended_at__isnull=True).select_related(
        "interpreter", "organisation"
    )


def _interpreter_organisation(case: Case, interpreter: User) -> Organisation:
    membership = (
        interpreter.memberships.filter(
            is_active=True,
            role=Role.INTERPRETER,
            organisation__case_participations__case=case,
            organisation__case_participations__is_active=True,
        )
        .select_related("organisation")
        .first()
    )
    assert membership is not None  # interpreter_candidates said so
    return membership.organisation


def interpreter_assign(
    *,
    actor: Actor,
    case: Case,
    interpreter: User | None,
    undertaking_signed_on: date | None,
    languages: str = "",
) -> CaseInterpreter:
    """Assign an interpreter to the case, with the confidentiality undertaking they signed.

    Only a case manager of the owner organisation (refused and audited otherwise); the
    interpreter must be an interpreter of an organisation that takes part in the case."""
    require(actor, Action.CASE_VIEW)
    require_widening(
        can(actor, Action.CASE_PARTICIPANTS_MANAGE, case), actor, case, action="interpreter.assign"
    )
    errors: dict[str, str] = {}
    if interpreter is None or not interpreter_candidates(case).filter(pk=interpreter.pk).exists():
        errors["interpreter"] = _(
            "Pick an interpreter of an organisation that takes part in the case."
        )
    if undertaking_signed_on is None:
        errors["undertaking_signed_on"] = _(
            "An interpreter is assigned only after signing the confidentiality undertaking: "
            "enter the date it was signed."
        )
    elif undertaking_signed_on > timezone.localdate():
        errors["undertaking_signed_on"] = _("The date is in the future.")
    languages = " ".join((languages or "").split())
    if len(languages) > MAX_LANGUAGES:
        errors["languages"] = _("At most %(max)d characters.") % {"max": MAX_LANGUAGES}
    if errors:
        raise ValidationError(errors)
    assert interpreter is not None
    assert undertaking_signed_on is not None
    try:
        with transaction.atomic():
            assignment = CaseInterpreter.objects.create(
                case=case,
                interpreter=interpreter,
                organisation=_interpreter_organisation(case, interpreter),
                languages=languages,
                undertaking_signed_on=undertaking_signed_on,
                assigned_by=actor.user,
            )
            record_event(
                event_type=EventType.INTERPRETER_ASSIGNED,
                actor=actor,
                target=assignment,
                detail={"case_id": case.pk, "interpreter_id": interpreter.pk},
            )
    except IntegrityError:
        raise ValidationError(
            {"interpreter": _("This interpreter is already assigned to the case.")}
        ) from None
    return assignment


def interpreter_unassign(
    *, actor: Actor, case: Case, assignment: CaseInterpreter
) -> CaseInterpreter:
    """End an interpreter's assignment: the interpreter no longer sees the case."""
    require(actor, Action.CASE_VIEW)
    require_widening(
        can(actor, Action.CASE_PARTICIPANTS_MANAGE, case),
        actor,
        case,
        action="interpreter.unassign",
    )
    with transaction.atomic():
        ended = CaseInterpreter.objects.filter(pk=assignment.pk, ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_by=actor.user
        )
        if not ended:
            raise ConflictError(_("This assignment has already ended. Reload the page."))
        assignment.refresh_from_db()
        record_event(
            event_type=EventType.INTERPRETER_UNASSIGNED,
            actor=actor,
            target=assignment,
            detail={"case_id": case.pk, "interpreter_id": assignment.interpreter_id},
        )
    return assignment
