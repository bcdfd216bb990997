"""Opening and deleting cases."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Action, Actor, can, require
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.models import (
    AgeBand,
    Case,
    CaseCountry,
    CaseNumberSequence,
    CaseParticipant,
    CaseStatusChange,
    CountryRole,
    IdentificationStatus,
    NameKind,
    Person,
    PersonCitizenship,
    PersonName,
    PersonNameKey,
    ReferralChannel,
    ReferrerType,
    Sex,
    Task,
    TaskSource,
)
from opentrm.cases.signals import person_changed
from opentrm.cases.task_titles import NOMINATE_MANAGER, node_title
from opentrm.core.text import search_words
from opentrm.directory.models import Language, Organisation
from opentrm.directory.selectors import first_points_of_notification
from opentrm.directory.validation import validate_country_code, validate_language_code


@dataclass(frozen=True)
class NameData:
    value: str
    kind: str = NameKind.NAME
    script: str = ""


@dataclass(frozen=True)
class Notification:
    """How the person came to notice (SOP-I-1): who referred, through which channel, when."""

    referrer_type: str = ""
    referrer_organisation: Organisation | None = None
    channel: str = ""
    notified_at: datetime | None = None


def registration_errors(
    *, date_of_birth: date | None, notification: Notification
) -> dict[str, list[str]]:
    """Every mistake of a registration's input at once, by field (issue 12 §5): the rules
    ``case_register`` applies, for a form's precheck too."""
    errors = _notification_errors(notification)
    if date_of_birth is not None and date_of_birth > timezone.localdate():
        errors["date_of_birth"] = _("The date of birth is in the future.")
    return {name: [message] for name, message in errors.items()}


def _notification_errors(notification: Notification) -> dict[str, str]:
    errors = {}
    if notification.referrer_type and notification.referrer_type not in ReferrerType.values:
        errors["referrer_type"] = _("Choose who referred the person from the list.")
    if notification.channel and notification.channel not in ReferralChannel.values:
        errors["channel"] = _("Choose the channel from the list.")
    if notification.notified_at is not None and notification.notified_at > timezone.now():
        errors["notified_at"] = _("The time of the notification is in the future.")
    return errors


def _route_for_nomination(case: Case, organisation: Organisation, actor: Actor) -> None:
    """ACT-31: the country's First Point of Notification (a directory function) nominates the
    case manager. A registration elsewhere is routed to it: it joins the case (seeing what the
    sharing gate lets it see) with a task to nominate. Where the registering organisation is
    itself the first point, the task is its own -- unless the registering member already
    became the case manager. A country that named no first point keeps the owner's own
    nomination (``participant_set_case_manager``) without a task."""
    points = first_points_of_notification(country=organisation.country)
    first = organisation if organisation in points else (points[0] if points else None)
    if first is None:
        return
    Case.objects.filter(pk=case.pk).update(first_point_of_notification=first)
    case.first_point_of_notification = first
    if first != organisation:
        CaseParticipant.objects.create(case=case, organisation=first, added_by=actor.user)
        record_event(
            event_type=EventType.CASE_ROUTED,
            actor=actor,
            target=case,
            detail={"organisation_id": first.pk},
        )
    elif case.participants.filter(case_manager__isnull=False).exists():
        return
    Task.objects.create(
        case=case,
        title=node_title(NOMINATE_MANAGER, {}),
        title_key=NOMINATE_MANAGER,
        organisation=first,
        due_on=timezone.localdate() + timedelta(days=1),
        source=TaskSource.NOMINATION,
        source_key="first_point",
    )


def _next_case_number(country_code: str, year: int) -> str:
    sequence, _created = CaseNumberSequence.objects.select_for_update().get_or_create(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{country_code}-{year}-{sequence.last:06d}"


def _record_status(case: Case, attribute: str, old: str, new: str, actor: Actor) -> None:
    CaseStatusChange.objects.create(
        case=case,
        attribute=attribute,
        old_value=old,
        new_value=new,
        changed_at=timezone.now(),
        changed_by=actor.user,
    )


def names_create(names: Iterable[PersonName]) -> list[PersonName]:
    """Save a person's names with their search keys (``PersonNameKey``): the only way names
    are written, so the case search finds every name."""
    created = PersonName.objects.bulk_create(list(names))
    PersonNameKey.objects.bulk_create(
        PersonNameKey(name=name, person_id=name.person_id, key=word)
        for name in created
        for word in search_words(name.value)
    )
    return created


def _person_save(
    person: Person, names: Sequence[NameData], languages: Iterable[str], citizenships: Iterable[str]
) -> tuple[list[str], list[str]]:
    """Validate and save a new person with names, languages and citizenships; the codes saved.

    Everything is validated before the first row is written."""
    person.full_clean()
    language_codes = sorted({validate_language_code(code) for code in languages if code.strip()})
    citizenship_codes = sorted(
        {validate_country_code(code) for code in citizenships if code.strip()}
    )
    person.save()
    names_create(
        PersonName(
            person=person, kind=name.kind, value=name.value.strip(), script=name.script, order=index
        )
        for index, name in enumerate(names)
        if name.value.strip()
    )
    Language.objects.bulk_create(
        [Language(code=code) for code in language_codes], ignore_conflicts=True
    )
    person.languages.set(Language.objects.filter(code__in=language_codes))
    PersonCitizenship.objects.bulk_create(
        PersonCitizenship(person=person, country_code=code) for code in citizenship_codes
    )
    person_changed.send(sender=Person, person=person)
    return language_codes, citizenship_codes


@transaction.atomic
def case_register(
    *,
    actor: Actor,
    public_id: uuid.UUID | None = None,
    names: Sequence[NameData] = (),
    sex: str = Sex.UNKNOWN,
    date_of_birth: date | None = None,
    age_band: str = AgeBand.UNKNOWN,
    languages: Iterable[str] = (),
    citizenships: Iterable[str] = (),
    at_risk_only: bool = False,
    notification: Notification | None = None,
) -> Case:
    """Open a case for a presumed trafficked person (or a person at risk) with little data.

    ``public_id`` comes from the client when it has one, so that a form sent twice (a double
    click, a retried request at a border crossing) opens one case, not two.
    """
    require(actor, Action.CASE_REGISTER)
    assert actor.membership is not None
    organisation = actor.membership.organisation
    if public_id is not None:
        existing = Case.objects.filter(public_id=public_id).first()
        if existing is not None:
            if existing.owner_organisation_id != organisation.pk:
                raise PermissionDenied
            return existing
    today = timezone.localdate()
    notification = notification or Notification()
    errors = registration_errors(date_of_birth=date_of_birth, notification=notification)
    if errors:
        raise ValidationError(errors)
    if date_of_birth is not None:
        age_band = AgeBand.UNDER_18 if _years(date_of_birth, today) < 18 else AgeBand.OVER_18
    person = Person(
        sex=sex,
        date_of_birth=date_of_birth,
        age_band=age_band,
        is_at_risk_only=at_risk_only,
        updated_by=actor.user,
    )
    language_codes, citizenship_codes = _person_save(person, names, languages, citizenships)
    status = IdentificationStatus.AT_RISK if at_risk_only else IdentificationStatus.PRESUMED
    public_id = public_id or uuid.uuid4()
    case = Case.objects.create(
        public_id=public_id,
        # The number is taken last, just before the registration's audit event: the counter's
        # row lock is held until commit, so it must not be held while the rest is written.
        number=f"~{public_id.hex[:31]}",
        person=person,
        owner_organisation=organisation,
        opened_on=today,
        identification_status=status,
        updated_by=actor.user,
        referrer_type=notification.referrer_type,
        referrer_organisation=notification.referrer_organisation,
        referral_channel=notification.channel,
        notified_at=notification.notified_at or timezone.now(),
    )
    CaseParticipant.objects.create(
        case=case,
        organisation=organisation,
        case_manager=actor.user if can(actor, Action.CASE_COORDINATE) else None,
        added_by=actor.user,
    )
    CaseCountry.objects.create(
        case=case, country_code=organisation.country.code, role=CountryRole.IDENTIFICATION
    )
    _record_status(case, "identification_status", "", status, actor)
    _route_for_nomination(case, organisation, actor)
    provided = _provided(names, date_of_birth, language_codes, citizenship_codes, notification)
    case.number = _next_case_number(organisation.country.code, today.year)
    Case.objects.filter(pk=case.pk).update(number=case.number)
    record_event(
        event_type=EventType.CASE_REGISTERED, actor=actor, target=case, changed_fields=provided
    )
    return case


def _provided(
    names: Sequence[NameData],
    date_of_birth: date | None,
    languages: Sequence[str],
    citizenships: Sequence[str],
    notification: Notification,
) -> list[str]:
    """The fields a registration filled in, for its audit event (names, never values)."""
    given = {
        "names": names,
        "date_of_birth": date_of_birth,
        "languages": languages,
        "citizenships": citizenships,
        "referrer_type": notification.referrer_type,
        "referrer_organisation": notification.referrer_organisation,
        "referral_channel": notification.channel,
    }
    return ["sex", "age_band", *(name for name, value in given.items() if value)]


def _years(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@transaction.atomic
def case_soft_delete(*, actor: Actor, case: Case, reason: str) -> Case:
    """Hide a case from every list, keeping its data and history, with the reason recorded.

    Only a case manager of the organisation that owns the case may do it.
    """
    if not can(actor, Action.CASE_DELETE, case):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is deleted.")})
    if case.is_deleted:
        return case
    Case.objects.filter(pk=case.pk).soft_delete(by=actor.user, reason=reason.strip())
    case.refresh_from_db(fields=["deleted_at", "deleted_by", "deletion_reason"])
    record_event(event_type=EventType.CASE_DELETED, actor=actor, target=case)
    return case
