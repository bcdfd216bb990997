"""The transnational referral with the Annex I reporting template (issue 4 §3).

A caseworker of the organisation that owns a case (country of exploitation) creates the
referral: it goes to the other country's national focal point (a child's case to the single
child authority), and its template is pre-filled from the case and the directory. Each field is
owned by one side: the sender fills §1-§5 before sending, the receiving side (country of
origin) §6-§7 after the return, and follow-up reports.

``TemplateInstance.data`` holds:

- ``values``: the sender's working copy (field code -> value), seen by the sender only;
- ``fields`` / ``disabled``: the sender's profile at creation (added field definitions, codes
  switched off), so any receiver can render the instance;
- ``sent``: the snapshot taken at sending: ``values`` of the field groups the gate allowed,
  ``withheld`` codes (never their values), ``groups``, ``at``;
- ``origin``: values the receiving side wrote (§6-§7, its header block, its §8 column).

Free text is ``{"text": ..., "lang": ...}``: the language it was written in.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases import states
from opentrm.cases.access import require_widening, sharing_with
from opentrm.cases.models import (
    Case,
    ConsentPurpose,
)
from opentrm.cases.selectors import consent_in_force
from opentrm.cases.services.child import (
    OriginContactBlockedError,
    contact_country_of_origin_check,
)
from opentrm.core.concurrency import save_if_unchanged
from opentrm.directory.models import Organisation
from opentrm.referrals import states as referral_states
from opentrm.referrals.access import can_edit_template_field, can_view_template_field
from opentrm.referrals.models import (
    FollowUpReport,
    Referral,
    ReferralKind,
    ReferralStatus,
    TemplateInstance,
    Urgency,
)
from opentrm.referrals.services import core, exchange_link, routing
from opentrm.referrals.services.profiles import profile_of
from opentrm.referrals.services.transitions import (
    SIDE_ACTIONS,
    referral_transition,
    require_side,
)
from opentrm.referrals.services.transnational.definition import (
    AFTER_ACCEPTANCE,
    FOLLOW_UP_SECTIONS,
    RETURN_SECTION,
    follow_up_fields,
    instance_definition,
    own_definition,
    receiver_groups,
    side_of,
)
from opentrm.referrals.services.transnational.prefill import prefill
from opentrm.referrals.services.transnational.values import (
    CONTACT_MAX,
    COUNTRY_LANGUAGE,
    TEXT_MAX,
    _country,
    clean_value,
    country_language,
    current_language,
    has_value,
    node_languages,
)
from opentrm.referrals.services.transnational.view import (
    EMPTY,
    HIDDEN,
    PENDING,
    VALUE,
    WITHHELD,
    Cell,
    SectionView,
    TemplateView,
    template_view,
)
from opentrm.referrals.states import RULES, SOURCES, Flow, Side, Step
from opentrm.referrals.template import loader
from opentrm.referrals.template.loader import EXPLOITATION, ORIGIN, Template

S = ReferralStatus

# --- creating, editing, sending -------------------------------------------------------------


def check_origin(actor: Actor, case: Case, country_code: str) -> None:
    """SOP-P9: audited in its own transaction, so call it before the service's transaction."""
    try:
        contact_country_of_origin_check(
            actor=actor, case=case, country_code=country_code, purpose="referral"
        )
    except OriginContactBlockedError as error:
        raise ValidationError({"receiver_country": error.reasons}) from error


def transnational_create(
    *,
    actor: Actor,
    case: Case,
    country_code: str,
    intended: Organisation | None = None,
    urgency: str = Urgency.ROUTINE,
    reason: str = "",
) -> Referral:
    """Draft a transnational referral of ``case`` to ``country_code`` with its template
    pre-filled. Refused towards a child's country of origin once asylum was indicated."""
    require(actor, Action.REFERRAL_SEND)
    assert actor.membership is not None
    require_widening(can(actor, Action.REFERRAL_SEND, case), actor, case, action="referral.send")
    sender = actor.membership.organisation
    try:
        code = _country(country_code)
    except ValueError as error:
        raise ValidationError({"receiver_country": str(error)}) from None
    if code == sender.country.code:
        raise ValidationError(
            {"receiver_country": _("Choose another country: this one is your own.")}
        )
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Unknown urgency.")})
    if intended is not None and intended.country.code != code:
        raise ValidationError(
            {"intended": _("The organisation asked for is not in the receiving country.")}
        )
    check_origin(actor, case, code)
    return _create(
        actor=actor,
        case=case,
        sender=sender,
        country_code=code,
        intended=intended,
        urgency=urgency,
        reason=reason,
    )


@transaction.atomic
def _create(
    *,
    actor: Actor,
    case: Case,
    sender: Organisation,
    country_code: str,
    intended: Organisation | None,
    urgency: str,
    reason: str,
) -> Referral:
    child = states.is_child_case(case, timezone.localdate())
    route = routing.route(sender=sender, country_code=country_code, intended=intended, child=child)
    referral = Referral.objects.create(
        reference=core.next_reference(sender.country.code),
        kind=ReferralKind.TRANSNATIONAL,
        case=case,
        sender_organisation=sender,
        receiver_country=country_code,
        receiver_organisation=route.receiver,
        intended_organisation=route.intended,
        routing=route.routing,
        urgency=urgency,
        reason=reason.strip(),
        updated_by=actor.user,
    )
    lang = current_language()
    values = prefill(case=case, sender=sender, receiver=route.receiver, lang=lang)
    # Only what the author may see goes into the draft.
    values = {
        code: value for code, value in values.items() if can_view_template_field(actor, case, code)
    }
    profile = profile_of(sender.country_id)
    TemplateInstance.objects.create(
        referral=referral,
        template_version=loader.CURRENT_VERSION,
        profile_country=sender.country.code,
        profile_version=profile.version if profile else 0,
        data={
            "values": values,
            "fields": list(profile.added_fields) if profile else [],
            "disabled": list(profile.disabled_fields) if profile else [],
            "origin": {},
            "sent": None,
        },
        sender_language=lang,
        receiver_language=country_language(country_code),
        updated_by=actor.user,
    )
    record_event(
        event_type=EventType.REFERRAL_CREATED,
        actor=actor,
        target=referral,
        detail={
            "referral": referral.reference,
            "kind": referral.kind,
            "case_id": case.pk,
            "receiver_id": route.receiver.pk,
            "routing": route.routing,
            "prefilled": sorted(values),
        },
    )
    return referral


def _instance(referral: Referral) -> TemplateInstance:
    instance = TemplateInstance.objects.select_for_update().filter(referral=referral).first()
    if instance is None:
        raise ValidationError({"__all__": _("This referral has no template.")})
    return instance


@transaction.atomic
def template_errors(
    *, actor: Actor, referral: Referral, values: Mapping[str, Any], lang: str | None = None
) -> dict[str, list[str]]:
    """Every mistake of a template's input at once, by template field (issue 12 §5): the rules
    ``template_update`` applies (a date in the future, an unknown choice, a field the actor may
    not change), for a form's precheck. Nothing is written."""
    return _template_cleaned(actor, referral, _instance(referral), values, lang)[0]


def _template_cleaned(
    actor: Actor,
    referral: Referral,
    instance: TemplateInstance,
    values: Mapping[str, Any],
    lang: str | None,
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """The errors by template field, and the cleaned values."""
    definition = instance_definition(instance)
    lang = lang or current_language()
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for code, raw in values.items():
        item = definition.field(code)
        if item is None:
            errors.setdefault(code, []).append(_("The template has no such field."))
            continue
        if not can_edit_template_field(actor, referral, item):
            errors.setdefault(code, []).append(_("You may not change this field."))
            continue
        try:
            cleaned[code] = clean_value(item, raw, lang=lang)
        except ValueError as error:  # clean_value refuses with ValueError only
            errors.setdefault(code, []).append(str(error))
    return errors, cleaned


@transaction.atomic
def template_update(
    *,
    actor: Actor,
    referral: Referral,
    expected_version: int,
    values: Mapping[str, Any],
    lang: str | None = None,
) -> TemplateInstance:
    """Write fields of the template: each only by its owner side (the sender's before sending,
    the receiving side's after accepting). Nothing is written if any field is refused."""
    side = side_of(actor, referral)
    if side is None:
        raise PermissionDenied
    instance = _instance(referral)
    errors, cleaned = _template_cleaned(actor, referral, instance, values, lang)
    if errors:
        raise ValidationError(errors)
    data = dict(instance.data or {})
    key = "values" if side == EXPLOITATION else "origin"
    target = dict(data.get(key) or {})
    for code, value in cleaned.items():
        if has_value(value):
            target[code] = value
        else:
            target.pop(code, None)
    data[key] = target
    instance.data = data
    save_if_unchanged(
        instance, expected_version=expected_version, fields=["data"], actor=actor.user
    )
    instance.version = expected_version + 1
    record_event(
        event_type=EventType.REFERRAL_CHANGED,
        actor=actor,
        target=referral,
        detail={"referral": referral.reference, "side": side, "fields": sorted(cleaned)},
    )
    return instance


def _return_values(definition: Template, values: Mapping[str, Any]) -> list[str]:
    section = definition.section(RETURN_SECTION)
    # definition() keeps every section of the shipped template, which has §5 (the definition
    # test checks it): a template without it is a programming error, not a user's case.
    assert section is not None
    return [f.code for f in section.fields if has_value(values.get(f.code))]


def return_consent_missing(case: Case) -> bool:
    return consent_in_force(case=case, purpose=ConsentPurpose.RETURN) is None


def transnational_send(*, actor: Actor, referral: Referral, expected_version: int) -> Referral:
    """Send the draft: only the field groups the gate (consent AND agreement) allows go into
    the snapshot; the other fields are marked withheld, without their values."""
    require(actor, Action.REFERRAL_SEND)
    if side_of(actor, referral) != EXPLOITATION or referral.case is None:
        raise PermissionDenied
    require_widening(
        can(actor, Action.REFERRAL_SEND, referral.case),
        actor,
        referral.case,
        action="referral.send",
    )
    if referral.kind != ReferralKind.TRANSNATIONAL:
        raise ValidationError({"__all__": _("This referral has no template.")})
    check_origin(actor, referral.case, referral.receiver_country)
    return _send(actor=actor, referral=referral, expected_version=expected_version)


@transaction.atomic
def _send(*, actor: Actor, referral: Referral, expected_version: int) -> Referral:
    case = referral.case
    assert case is not None
    receiver = referral.receiver_organisation
    if not receiver.is_active:
        raise ValidationError({"__all__": _("The receiving organisation is no longer active.")})
    instance = _instance(referral)
    definition = instance_definition(instance)
    values: dict[str, Any] = dict((instance.data or {}).get("values") or {})
    if _return_values(definition, values) and return_consent_missing(case):
        raise ValidationError(
            {
                RETURN_SECTION: _(
                    "Return data (section 5) cannot be sent while the person's consent to "
                    "return is missing or refused. Record the consent, or clear section 5."
                )
            }
        )
    sharing = sharing_with(case, receiver)
    allowed = {g.value for g in sharing.groups}
    sent_values: dict[str, Any] = {}
    withheld: list[str] = []
    for item in definition.fields:
        if item.group is not None and item.group not in allowed:
            withheld.append(item.code)
        elif has_value(values.get(item.code)):
            sent_values[item.code] = values[item.code]
    from opentrm.agreements.selectors import agreement_in_force_between

    governing = agreement_in_force_between(
        case.owner_organisation_id, receiver.pk, timezone.localdate()
    )
    data = dict(instance.data or {})
    data["sent"] = {
        "values": sent_values,
        "withheld": withheld,
        "groups": sorted(allowed),
        "at": timezone.now().isoformat(),
    }
    instance.data = data
    save_if_unchanged(
        instance, expected_version=instance.version, fields=["data"], actor=actor.user
    )
    return referral_transition(
        actor=actor,
        referral=referral,
        to=S.SENT,
        expected_version=expected_version,
        fields={
            "shared_groups": sorted(allowed),
            "consent": sharing.consent,
            "agreement": governing[0].agreement if governing and sharing.consent else None,
        },
        detail={
            "shared_groups": sorted(allowed),
            "withheld_fields": len(withheld),
            "profile_country": instance.profile_country,
            "profile_version": instance.profile_version,
        },
    )


# --- the steps after sending ------------------------------------------------------------------

# step -> (status, side that takes it), from the state machine. The referral page's own buttons
# (national part) take acknowledge / accept / decline / withdraw for every kind; the template
# section offers the rest. Sending and forwarding have services of their own.
PAGE_STEPS = ("return_arranged", "arrival_confirmed", "close")
STEPS: dict[str, tuple[str, str]] = {
    str(step): (RULES[step].target, ORIGIN if RULES[step].side == Side.RECEIVER else EXPLOITATION)
    for step in SOURCES[Flow.TRANSNATIONAL]
    if step not in (Step.SEND, Step.FORWARD)
}
_SIDES = {EXPLOITATION: Side.SENDER, ORIGIN: Side.RECEIVER}


def available_steps(actor: Actor, referral: Referral) -> list[str]:
    side = side_of(actor, referral)
    if side is None or not actor.may(SIDE_ACTIONS[_SIDES[side]]):
        return []
    allowed = referral_states.steps_from(referral.kind, referral.status, _SIDES[side])
    return [name for name in STEPS if name in allowed]


def transnational_step(
    *, actor: Actor, referral: Referral, step: str, expected_version: int, reason: str = ""
) -> Referral:
    if step not in STEPS:
        raise ValidationError({"__all__": _("Unknown step.")})
    status, by = STEPS[step]
    require(actor, SIDE_ACTIONS[_SIDES[by]])
    if referral.kind != ReferralKind.TRANSNATIONAL:
        raise PermissionDenied
    rule = require_side(actor, referral, status)
    text = reason.strip()
    if rule.reason_field and not text:
        raise ValidationError(
            {"reason": _("Give the reason."), rule.reason_field: _("Give the reason.")}
        )
    return referral_transition(
        actor=actor,
        referral=referral,
        to=status,
        expected_version=expected_version,
        reason=text,
        detail={"step": step},
    )


# --- follow-up reports ---


@transaction.atomic
def follow_up_add(
    *,
    actor: Actor,
    referral: Referral,
    reported_on: date,
    values: Mapping[str, Any],
    summary: str = "",
    lang: str | None = None,
) -> FollowUpReport:
    """A report from the receiving side after the return (§6-§7): kept as a dated report, and
    its values become the template's current §6-§7."""
    require(actor, Action.REFERRAL_RESPOND)
    if side_of(actor, referral) != ORIGIN:
        raise PermissionDenied
    if referral.status not in AFTER_ACCEPTANCE:
        raise ValidationError(
            {"__all__": _("Follow-up reports are added once the referral is accepted.")}
        )
    errors: dict[str, list[str]] = {}
    if reported_on > timezone.localdate():
        errors["reported_on"] = [_("The date is in the future.")]
    instance = _instance(referral)
    definition = instance_definition(instance)
    allowed = {item.code: item for item in follow_up_fields(definition)}
    lang = lang or current_language()
    cleaned: dict[str, Any] = {}
    for code, raw in values.items():
        item = allowed.get(code)
        if item is None or not can_edit_template_field(actor, referral, item):
            errors.setdefault(code, []).append(_("You may not report this field."))
            continue
        try:
            value = clean_value(item, raw, lang=lang)
        except ValueError as error:
            errors.setdefault(code, []).append(str(error))
            continue
        if has_value(value):
            cleaned[code] = value
    if not cleaned and not summary.strip():
        errors.setdefault("__all__", []).append(_("The report is empty."))
    if errors:
        raise ValidationError(errors)
    assert actor.membership is not None
    report = FollowUpReport.objects.create(
        referral=referral,
        reported_on=reported_on,
        data={"values": cleaned, "summary_lang": lang},
        summary=summary.strip(),
        organisation=actor.membership.organisation,
        reported_by=actor.user,
    )
    data = dict(instance.data or {})
    data["origin"] = {**(data.get("origin") or {}), **cleaned}
    instance.data = data
    save_if_unchanged(
        instance, expected_version=instance.version, fields=["data"], actor=actor.user
    )
    record_event(
        event_type=EventType.REFERRAL_FOLLOW_UP,
        actor=actor,
        target=referral,
        detail={"referral": referral.reference, "report_id": report.pk, "fields": sorted(cleaned)},
    )
    exchange_link.follow_up_added(actor, referral, report, instance)
    return report


__all__ = [
    "AFTER_ACCEPTANCE",
    "CONTACT_MAX",
    "COUNTRY_LANGUAGE",
    "EMPTY",
    "FOLLOW_UP_SECTIONS",
    "HIDDEN",
    "PAGE_STEPS",
    "PENDING",
    "RETURN_SECTION",
    "STEPS",
    "TEXT_MAX",
    "VALUE",
    "WITHHELD",
    "Cell",
    "SectionView",
    "TemplateView",
    "available_steps",
    "check_origin",
    "clean_value",
    "country_language",
    "current_language",
    "follow_up_add",
    "follow_up_fields",
    "has_value",
    "instance_definition",
    "node_languages",
    "own_definition",
    "prefill",
    "receiver_groups",
    "return_consent_missing",
    "side_of",
    "template_update",
    "template_view",
    "transnational_create",
    "transnational_send",
    "transnational_step",
]
