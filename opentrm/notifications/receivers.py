"""Where notifications hang off the events: the audit trail.

Every step that warrants a notification (a referral sent, accepted or declined, a consent
withdrawn, a task created, a follow-up report added) already writes its audit event in its own
transaction, on every path (the page, the API, a peer node's report). The notifications app
sits above every domain app (ADR 0009), so no service may call it; it listens to the audit
events instead (``post_save`` of ``AuditEvent``), and the other apps carry no notification
code. The receiver writes in the same transaction as the step (docs/notifications.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models.signals import post_save
from django.urls import reverse

from opentrm.accounts.models import AccessAlert, Membership, User
from opentrm.accounts.policy import ROLE_ACTIONS, Action
from opentrm.audit.events import EventType
from opentrm.audit.models import AuditEvent
from opentrm.cases.models import CaseParticipant, ConsentRecord, EmergencyAccess, Task
from opentrm.directory.models import Organisation
from opentrm.notifications.models import Kind
from opentrm.notifications.services import notify
from opentrm.referrals.models import Referral, ReferralKind, ReferralStatus

E = EventType
_REFERRAL = "referrals.referral"


def _members_who(action: Action, organisation_id: int | None = None, **where: Any) -> list[User]:
    """Active members of the organisation (or of those ``where`` selects, e.g. a country's)
    whose role may ``action`` (the policy's matrix), in one query."""
    roles = [role.value for role, actions in ROLE_ACTIONS.items() if action in actions]
    if organisation_id is not None:
        where["organisation_id"] = organisation_id
    return list(
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.filter(
                is_active=True, organisation__is_active=True, role__in=roles, **where
            ),
        )
        .distinct()
        .order_by("pk")
    )


def _referral_path(referral: Referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.public_id])


def _referral_sent(event: AuditEvent, referral: Referral | None = None) -> None:
    if referral is None:
        referral = Referral.objects.filter(pk=event.target_id).first()
    if referral is None:
        return
    if referral.kind == ReferralKind.IMMEDIATE_DANGER:
        kind = Kind.IMMEDIATE_DANGER
    elif referral.kind in (ReferralKind.NATIONAL, ReferralKind.TRANSNATIONAL):
        kind = Kind.REFERRAL_RECEIVED
    else:
        kind = Kind.REQUEST_RECEIVED
    notify(
        recipients=_members_who(Action.REFERRAL_RESPOND, referral.receiver_organisation_id),
        kind=kind,
        reference=referral.reference,
        path=_referral_path(referral),
        actor_id=event.actor_id,
    )


def _referral_created(event: AuditEvent) -> None:
    """A referral is created as already sent only when it is received (from a peer node or a
    file, ``referrals.services.receiving``); a draft is told of when it is sent. The referral
    the receiving service just stored is not read again (one query per package received)."""
    referral = event.target_instance
    if not isinstance(referral, Referral) or str(referral.pk) != event.target_id:
        referral = Referral.objects.filter(pk=event.target_id).first()
    if referral is not None and referral.status == ReferralStatus.SENT:
        _referral_sent(event, referral)


def _to_sender(kind: Kind) -> Callable[[AuditEvent], None]:
    def handle(event: AuditEvent) -> None:
        referral = Referral.objects.filter(pk=event.target_id).select_related("sent_by").first()
        if referral is None or referral.sent_by is None:
            return
        notify(
            recipients=[referral.sent_by] if referral.sent_by.is_active else [],
            kind=kind,
            reference=referral.reference,
            path=_referral_path(referral),
            actor_id=event.actor_id,
        )

    return handle


def _consent_withdrawn(event: AuditEvent) -> None:
    consent = ConsentRecord.objects.filter(pk=event.target_id).select_related("case").first()
    if consent is None:
        return
    managers = User.objects.filter(
        is_active=True,
        pk__in=CaseParticipant.objects.filter(case=consent.case, is_active=True).values(
            "case_manager"
        ),
    )
    notify(
        recipients=managers,
        kind=Kind.CONSENT_WITHDRAWN,
        reference=consent.case.number,
        path=reverse("cases:case_detail", args=[consent.case.public_id]),
        actor_id=event.actor_id,
    )


def _task_created(event: AuditEvent) -> None:
    task = Task.objects.filter(pk=event.target_id).select_related("case", "assignee").first()
    if task is None or task.assignee is None or not task.assignee.is_active:
        return
    notify(
        recipients=[task.assignee],
        kind=Kind.TASK_ASSIGNED,
        reference=task.case.number,
        path=reverse("cases:case_detail", args=[task.case.public_id]),
        actor_id=event.actor_id,
    )


def _officers_of_country(organisation_id: int) -> list[User]:
    """The data-protection officers (``audit.view``) of every organisation of the country of
    ``organisation_id``: they review what happens in their country (``policy.audit_scope``)."""
    country = Organisation.objects.filter(pk=organisation_id).values_list("country_id", flat=True)
    return _members_who(Action.AUDIT_VIEW, organisation__country_id__in=country)


def _emergency_opened(event: AuditEvent) -> None:
    access = EmergencyAccess.objects.filter(pk=event.target_id).select_related("case").first()
    if access is None:
        return
    case = access.case
    notify(
        recipients=_officers_of_country(case.owner_organisation_id),
        kind=Kind.EMERGENCY_ACCESS,
        reference=case.number,
        path=reverse("emergency:reviews"),
        actor_id=event.actor_id,
    )
    notify(
        recipients=_members_who(Action.CASE_ACCESS_REVIEW, case.owner_organisation_id),
        kind=Kind.EMERGENCY_ACCESS,
        reference=case.number,
        path=reverse("cases:case_access_log", args=[case.public_id]),
        actor_id=event.actor_id,
    )


def _access_alert(event: AuditEvent) -> None:
    alert = AccessAlert.objects.filter(pk=event.target_id).first()
    if alert is None:
        return
    notify(
        recipients=[
            user
            for user in _officers_of_country(alert.organisation_id)
            if user.pk != alert.user_id  # an officer is not told of her own alert
        ],
        kind=Kind.ACCESS_ALERT,
        reference=f"A-{alert.pk}",
        path=reverse("audit:alert_list"),
        actor_id=None,
    )


HANDLERS: dict[str, tuple[str, Callable[[AuditEvent], None]]] = {
    E.EMERGENCY_ACCESS_OPENED: ("cases.emergencyaccess", _emergency_opened),
    E.ACCESS_ALERT_RAISED: ("accounts.accessalert", _access_alert),
    E.REFERRAL_SENT: (_REFERRAL, _referral_sent),
    E.REFERRAL_CREATED: (_REFERRAL, _referral_created),
    E.REFERRAL_ACCEPTED: (_REFERRAL, _to_sender(Kind.REFERRAL_ACCEPTED)),
    E.REFERRAL_DECLINED: (_REFERRAL, _to_sender(Kind.REFERRAL_DECLINED)),
    E.REFERRAL_FOLLOW_UP: (_REFERRAL, _to_sender(Kind.FOLLOW_UP_RECEIVED)),
    E.CONSENT_WITHDRAWN: ("cases.consentrecord", _consent_withdrawn),
    E.TASK_CREATED: ("cases.task", _task_created),
}


def on_audit_event(sender: type[AuditEvent], instance: AuditEvent, **kwargs: Any) -> None:
    handler = HANDLERS.get(instance.event_type)
    if handler is not None and handler[0] == instance.target_type:
        handler[1](instance)


def connect() -> None:
    post_save.connect(on_audit_event, sender=AuditEvent, dispatch_uid="notifications.audit")
