"""Changing what is known about the person, field group by field group."""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Access, Actor, FieldGroup
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import group_access
from opentrm.cases.models import Case, Person, PersonCitizenship, PersonName
from opentrm.cases.services.registration import NameData, names_create
from opentrm.cases.signals import person_changed
from opentrm.core.concurrency import save_if_unchanged
from opentrm.directory.models import Language
from opentrm.directory.validation import validate_country_code, validate_language_code

IDENTITY_FIELDS = [
    "sex",
    "date_of_birth",
    "age_band",
    "age_disputed",
    "place_of_birth",
    "marital_status",
    "identity_confirmed_by",
    "identity_note",
]
CONTACT_FIELDS = ["address", "residence_country"]


def _require(actor: Actor, case: Case, group: FieldGroup) -> None:
    if group_access(actor, case, group) < Access.EDIT:
        raise PermissionDenied


_NameRow = tuple[str, str, str]


def _set_fields(
    person: Person, *, identity: dict[str, Any] | None, contact: dict[str, Any] | None
) -> list[str]:
    """Set the given identity and contact fields on ``person`` and validate it; the names of
    the fields whose value changed."""
    changed: list[str] = []
    for fields, values in ((IDENTITY_FIELDS, identity), (CONTACT_FIELDS, contact)):
        for name, value in (values or {}).items():
            if name not in fields:
                raise ValidationError(_("Unknown field: %(name)s") % {"name": name})
            if getattr(person, name) != value:
                setattr(person, name, value)
                changed.append(name)
    born: date | None = person.date_of_birth
    if born is not None and born > timezone.localdate():
        raise ValidationError({"date_of_birth": _("The date of birth is in the future.")})
    if person.residence_country:
        person.residence_country = validate_country_code(person.residence_country)
    person.full_clean()
    return changed


def _list_changes(
    person: Person,
    changed: list[str],
    *,
    names: Sequence[NameData] | None,
    languages: Iterable[str] | None,
    citizenships: Iterable[str] | None,
) -> tuple[list[_NameRow] | None, list[str] | None, list[str] | None]:
    """Validate the names, languages and citizenships given; add those that differ from the
    saved ones to ``changed``."""
    new_names = None
    if names is not None:
        new_names = [
            (name.kind, name.value.strip(), name.script.strip())
            for name in names
            if name.value.strip()
        ]
        old = [(n.kind, n.value, n.script) for n in person.names.order_by("order", "id")]
        if old != new_names:
            changed.append("names")
    language_codes = None
    if languages is not None:
        language_codes = sorted(
            {validate_language_code(code) for code in languages if code.strip()}
        )
        if language_codes != sorted(person.languages.values_list("code", flat=True)):
            changed.append("languages")
    country_codes = None
    if citizenships is not None:
        country_codes = sorted(
            {validate_country_code(code) for code in citizenships if code.strip()}
        )
        if country_codes != sorted(person.citizenships.values_list("country_code", flat=True)):
            changed.append("citizenships")
    return new_names, language_codes, country_codes


def _save_lists(
    person: Person,
    changed: list[str],
    new_names: list[_NameRow] | None,
    language_codes: list[str] | None,
    country_codes: list[str] | None,
) -> None:
    if new_names is not None and "names" in changed:
        person.names.all().delete()
        names_create(
            PersonName(person=person, kind=kind, value=value, script=script, order=index)
            for index, (kind, value, script) in enumerate(new_names)
        )
    if language_codes is not None and "languages" in changed:
        Language.objects.bulk_create(
            [Language(code=code) for code in language_codes], ignore_conflicts=True
        )
        person.languages.set(Language.objects.filter(code__in=language_codes))
    if country_codes is not None and "citizenships" in changed:
        person.citizenships.all().delete()
        PersonCitizenship.objects.bulk_create(
            PersonCitizenship(person=person, country_code=code) for code in country_codes
        )


@transaction.atomic
def person_update(
    *,
    actor: Actor,
    case: Case,
    expected_version: int,
    identity: dict[str, Any] | None = None,
    contact: dict[str, Any] | None = None,
    names: Sequence[NameData] | None = None,
    languages: Iterable[str] | None = None,
    citizenships: Iterable[str] | None = None,
) -> Person:
    """Change the person behind ``case``; each group needs the actor's edit right on it.

    The person's version guards every group: a save from a stale form is refused whole.
    """
    person = case.person
    if (
        identity is not None
        or names is not None
        or languages is not None
        or citizenships is not None
    ):
        _require(actor, case, FieldGroup.IDENTITY)
    if contact is not None:
        _require(actor, case, FieldGroup.CONTACT)
    changed = _set_fields(person, identity=identity, contact=contact)
    new_names, language_codes, country_codes = _list_changes(
        person, changed, names=names, languages=languages, citizenships=citizenships
    )
    if not changed:
        return person
    save_if_unchanged(
        person,
        expected_version=expected_version,
        fields=[name for name in changed if name in IDENTITY_FIELDS + CONTACT_FIELDS],
        actor=actor.user,
    )
    _save_lists(person, changed, new_names, language_codes, country_codes)
    person_changed.send(sender=Person, person=person)
    record_event(
        event_type=EventType.PERSON_CHANGED,
        actor=actor,
        target=person,
        changed_fields=changed,
        detail={"case_id": case.pk},
    )
    return person
