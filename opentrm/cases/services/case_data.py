"""What is known about the trafficking on a case (OTH-10, GAP-13): the countries by role, the
types of exploitation (HTCDS 2.0) and its dates, earlier trafficking, and the law-enforcement
and court references; and the record of the information given to the person (SOP-II-1/2,
DP-29). Each part needs edit access to its field group: countries are travel data,
exploitation is assistance data, references are proceedings data."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Access, Actor, FieldGroup
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.cases.access import group_access, require_open
from opentrm.cases.models import (
    Case,
    CaseCountry,
    CaseExploitation,
    CountryRole,
    ExploitationType,
    InformationFormat,
    InformationGiven,
    InformationTopic,
)
from opentrm.core.concurrency import save_if_unchanged
from opentrm.directory.validation import validate_country_code, validate_language_code

# The roles edited on the case's data form; identification comes from the registration and the
# identification decision, residence from the person's contact data.
EDITABLE_ROLES = (
    CountryRole.ORIGIN,
    CountryRole.RECRUITMENT,
    CountryRole.TRANSIT,
    CountryRole.EXPLOITATION,
    CountryRole.PREVIOUS_EXPLOITATION,
    CountryRole.THIRD_COUNTRY,
)
REFERENCE_FIELDS = ("law_enforcement_reference", "court_reference")


@dataclass(frozen=True)
class Exploitation:
    types: Sequence[str] = ()
    other: str = ""
    began_on: date | None = None
    ended_on: date | None = None
    previously_trafficked: bool | None = None


@dataclass
class _Changes:
    fields: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _require(actor: Actor, case: Case, group: FieldGroup) -> None:
    if group_access(actor, case, group) < Access.EDIT:
        raise PermissionDenied


def _country_codes(countries: Mapping[str, Sequence[str]], found: _Changes) -> dict[str, list[str]]:
    codes: dict[str, list[str]] = {}
    for role, values in countries.items():
        if role not in EDITABLE_ROLES:
            raise ValueError(f"not an editable country role: {role}")
        try:
            codes[role] = sorted({validate_country_code(v) for v in values if v.strip()})
        except ValidationError as error:
            found.errors[f"countries_{role}"] = " ".join(error.messages)
    return codes


def _check_exploitation(data: Exploitation, found: _Changes) -> list[str]:
    types = list(dict.fromkeys(data.types))
    if any(t not in ExploitationType.values for t in types):
        found.errors["exploitation_types"] = _("Choose types of exploitation from the list.")
    if ExploitationType.OTHER in types and not data.other.strip():
        found.errors["exploitation_other"] = _("Describe the other type of exploitation.")
    today = timezone.localdate()
    for name, day in (
        ("exploitation_began_on", data.began_on),
        ("exploitation_ended_on", data.ended_on),
    ):
        if day is not None and day > today:
            found.errors[name] = _("The date is in the future.")
    if data.began_on and data.ended_on and data.ended_on < data.began_on:
        found.errors["exploitation_ended_on"] = _("The exploitation cannot end before it began.")
    return types


def _save_countries(case: Case, codes: dict[str, list[str]], found: _Changes) -> None:
    for role, wanted in codes.items():
        have = set(case.countries.filter(role=role).values_list("country_code", flat=True))
        if have == set(wanted):
            continue
        case.countries.filter(role=role).exclude(country_code__in=wanted).delete()
        CaseCountry.objects.bulk_create(
            CaseCountry(case=case, role=role, country_code=code)
            for code in wanted
            if code not in have
        )
        found.fields.append(f"countries.{role}")


def _save_exploitation(case: Case, data: Exploitation, types: list[str], found: _Changes) -> None:
    rows = {row.type: row.other for row in case.exploitation_types.all()}
    other = data.other.strip() if ExploitationType.OTHER in types else ""
    wanted = {t: (other if t == ExploitationType.OTHER else "") for t in types}
    if rows != wanted:
        case.exploitation_types.all().delete()
        CaseExploitation.objects.bulk_create(
            CaseExploitation(case=case, type=t, other=text) for t, text in wanted.items()
        )
        found.fields.append("exploitation_types")
    for name, value in (
        ("exploitation_began_on", data.began_on),
        ("exploitation_ended_on", data.ended_on),
        ("previously_trafficked", data.previously_trafficked),
    ):
        if getattr(case, name) != value:
            setattr(case, name, value)
            found.fields.append(name)


@transaction.atomic
def case_data_update(
    *,
    actor: Actor,
    case: Case,
    expected_version: int,
    countries: Mapping[Any, Sequence[str]] | None = None,
    exploitation: Exploitation | None = None,
    references: Mapping[str, str] | None = None,
) -> Case:
    """Change the parts given (None: leave it); the case's version guards the whole save."""
    require_open(case)
    if countries is not None:
        _require(actor, case, FieldGroup.TRAVEL)
    if exploitation is not None:
        _require(actor, case, FieldGroup.ASSISTANCE)
    if references is not None:
        _require(actor, case, FieldGroup.PROCEEDINGS)
    found = _Changes()
    codes = _country_codes(countries or {}, found)
    types = _check_exploitation(exploitation, found) if exploitation is not None else []
    if found.errors:
        raise ValidationError(found.errors)
    _save_countries(case, codes, found)
    if exploitation is not None:
        _save_exploitation(case, exploitation, types, found)
    for name in REFERENCE_FIELDS if references is not None else ():
        value = " ".join((references or {}).get(name, "").split())
        if getattr(case, name) != value:
            setattr(case, name, value)
            found.fields.append(name)
    if not found.fields:
        return case
    own = [n for n in found.fields if "." not in n and n != "exploitation_types"]
    save_if_unchanged(case, expected_version=expected_version, fields=own, actor=actor.user)
    record_event(
        event_type=EventType.CASE_DATA_CHANGED,
        actor=actor,
        target=case,
        changed_fields=found.fields,
    )
    return case


def case_countries(case: Case) -> dict[str, list[str]]:
    """The case's countries, by role."""
    found: dict[str, list[str]] = {}
    for row in case.countries.all():
        found.setdefault(row.role, []).append(row.country_code)
    return {role: sorted(codes) for role, codes in found.items()}


def information_given_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every mistake of the information given at once, by field (issue 12 §5): the rules
    ``information_given_record`` applies, for it and a form's precheck. A field not in
    ``values`` (one with its own error) is not checked."""
    errors: dict[str, str] = {}
    if "topics" in values:
        chosen = list(values["topics"] or [])
        if not chosen or any(t not in InformationTopic.values for t in chosen):
            errors["topics"] = _("Choose what the person was told.")
    if "format" in values and values["format"] not in InformationFormat.values:
        errors["format"] = _("Choose how the person was told.")
    given_on = values.get("given_on")
    if given_on is not None and given_on > timezone.localdate():
        errors["given_on"] = _("The date is in the future.")
    if "language" in values:
        try:
            validate_language_code(values["language"])
        except ValidationError as error:
            errors["language"] = " ".join(error.messages)
    return {name: [message] for name, message in errors.items()}


@transaction.atomic
def information_given_record(
    *,
    actor: Actor,
    case: Case,
    given_on: date,
    language: str,
    format: str,
    topics: Iterable[str],
) -> InformationGiven:
    """Record that the actor informed the person (SOP-II-1/2, DP-29): a checklist item before
    consents are taken. Assistance data: needs edit access to that group."""
    require_open(case)
    _require(actor, case, FieldGroup.ASSISTANCE)
    assert actor.membership is not None
    chosen = list(dict.fromkeys(topics))
    values = {"given_on": given_on, "language": language, "format": format, "topics": chosen}
    errors = information_given_errors(values)
    if errors:
        raise ValidationError(errors)
    code = validate_language_code(language)
    record = InformationGiven.objects.create(
        case=case,
        given_on=given_on,
        given_by=actor.user,
        given_for=actor.membership.organisation,
        language=code,
        format=format,
        topics=chosen,
    )
    record_event(
        event_type=EventType.INFORMATION_GIVEN_RECORDED,
        actor=actor,
        target=record,
        detail={"case_id": case.pk, "topics": chosen, "format": format, "language": code},
    )
    return record
