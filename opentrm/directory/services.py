"""Writes on the directory. Each checks the editor's country, validates, and audits in the
same transaction."""

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.accounts.policy import Actor
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.core.concurrency import save_if_unchanged
from opentrm.directory.models import (
    ContactChannel,
    ContactPoint,
    Country,
    Function,
    Language,
    Organisation,
    OrganisationType,
    Responsibility,
)
from opentrm.directory.notes import node_note, reads_as
from opentrm.directory.signals import announce
from opentrm.directory.validation import (
    validate_channel_value,
    validate_country_code,
    validate_language_code,
)

ORGANISATION_FIELDS = [
    "name",
    "acronym",
    "alternate_names",
    "type",
    "parent",
    "city",
    "region",
    "address",
    "website",
    "accreditation_status",
    "clearance_level",
    "clearance_issuer",
    "clearance_expires_on",
    "is_active",
    "share_abroad",
    "notes",
]
CONTACT_POINT_FIELDS = ["position", "person_name", "unit", "is_active", "share_abroad", "notes"]


@dataclass(frozen=True)
class ChannelData:
    kind: str
    value: str
    label: str = ""
    hours: str = ""
    available_24_7: bool = False


def _require_editor(actor: Actor, country_id: int) -> None:
    if not actor.may_edit_directory_of(country_id):
        raise PermissionDenied


def _require_own(organisation: Organisation | None) -> None:
    """Another node's entry is a read-only copy: only its own node changes it."""
    if organisation is not None and organisation.origin_node:
        raise PermissionDenied


def _reject_unknown(values: dict[str, Any], allowed: list[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )


def _check_parent(organisation: Organisation) -> None:
    parent = organisation.parent
    if parent is None:
        return
    if parent.country_id != organisation.country_id:
        raise ValidationError({"parent": _("The parent body must be in the same country.")})
    seen = {organisation.pk}
    while parent is not None:
        if parent.pk in seen:
            raise ValidationError({"parent": _("An organisation cannot be its own parent.")})
        seen.add(parent.pk)
        parent = parent.parent


def organisation_errors(
    *, country: Country, organisation: Organisation | None, values: Mapping[str, Any]
) -> dict[str, list[str]]:
    """Every mistake of an organisation's input at once, by field (issue 12 §5): the rules
    ``organisation_create`` and ``organisation_update`` apply, for a form's precheck. Nothing
    is written; a field not in ``values`` keeps its recorded value (or the default)."""
    known = {name: value for name, value in values.items() if name in ORGANISATION_FIELDS}
    if organisation is None:
        return _organisation_errors(Organisation(country=country, **known))
    changed = copy.copy(organisation)
    for name, value in known.items():
        setattr(changed, name, value)
    return _organisation_errors(changed)


def _organisation_errors(organisation: Organisation) -> dict[str, list[str]]:
    """The parent, the name unique in the country, and the model's own rules, all at once."""
    errors: dict[str, list[str]] = {}
    _collect(errors, lambda: _check_parent(organisation))
    _collect(errors, lambda: _duplicate_organisation(organisation))
    _collect(errors, lambda: organisation.full_clean(validate_constraints=False))
    return errors


def _collect(errors: dict[str, list[str]], check: Callable[[], object]) -> None:
    try:
        check()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _organisation_name_taken() -> ValidationError:
    return ValidationError(
        {"name": _("An organisation with this name already exists in this country.")}
    )


def _contact_point_taken() -> ValidationError:
    return ValidationError(
        {
            "position": _(
                "This organisation already has a contact point with this position and person."
            )
        }
    )


def _duplicate_organisation(organisation: Organisation) -> None:
    clash = Organisation.objects.filter(
        country_id=organisation.country_id, name__iexact=organisation.name.strip()
    ).exclude(pk=organisation.pk)
    if clash.exists():
        raise _organisation_name_taken()


def _duplicate_contact_point(contact_point: ContactPoint) -> None:
    clash = ContactPoint.objects.filter(
        organisation_id=contact_point.organisation_id,
        position__iexact=contact_point.position.strip(),
        person_name__iexact=contact_point.person_name.strip(),
    ).exclude(pk=contact_point.pk)
    if clash.exists():
        raise _contact_point_taken()


def _changed(before: dict[str, Any], after: object, fields: Iterable[str]) -> list[str]:
    return [name for name in fields if before.get(name) != getattr(after, name)]


def _snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


@transaction.atomic
def organisation_create(*, actor: Actor, country: Country, **values: Any) -> Organisation:
    _require_editor(actor, country.pk)
    _reject_unknown(values, ORGANISATION_FIELDS)
    organisation = Organisation(country=country, updated_by=actor.user, **values)
    _raise(_organisation_errors(organisation))
    try:
        # A concurrent create of the same name passes the check above; the constraint decides.
        with transaction.atomic():
            organisation.save()
    except IntegrityError as error:
        raise _organisation_name_taken() from error
    record_event(
        event_type=EventType.ORGANISATION_CREATED,
        actor=actor,
        target=organisation,
        changed_fields=_changed(
            _snapshot(Organisation(), ORGANISATION_FIELDS), organisation, ORGANISATION_FIELDS
        ),
    )
    announce(organisation.pk)
    return organisation


@transaction.atomic
def organisation_update(
    *, actor: Actor, organisation: Organisation, expected_version: int, **values: Any
) -> Organisation:
    """Change an organisation; refused with ConflictError if the row moved past
    ``expected_version`` since the editor loaded it."""
    _require_editor(actor, organisation.country_id)
    _require_own(organisation)
    _reject_unknown(values, ORGANISATION_FIELDS)
    before = _snapshot(organisation, ORGANISATION_FIELDS)
    if organisation.notes_key and reads_as(
        organisation.notes_key, organisation.notes_params, values.get("notes") or ""
    ):
        values["notes"] = organisation.notes  # the system's note, sent back as it was read
    for name, value in values.items():
        setattr(organisation, name, value)
    keyed = bool(organisation.notes_key)
    if "notes" in values and organisation.notes != before["notes"]:
        organisation.notes_key, organisation.notes_params = "", {}  # the editor's words now
    _raise(_organisation_errors(organisation))
    changed = _changed(before, organisation, ORGANISATION_FIELDS)
    if not changed:
        return organisation
    try:
        with transaction.atomic():
            save_if_unchanged(
                organisation,
                expected_version=expected_version,
                fields=[*changed, *(["notes_key", "notes_params"] if keyed else [])],
                actor=actor.user,
            )
    except IntegrityError as error:
        raise _organisation_name_taken() from error
    record_event(
        event_type=EventType.ORGANISATION_CHANGED,
        actor=actor,
        target=organisation,
        changed_fields=changed,
    )
    announce(organisation.pk, *([before["parent"].pk] if before.get("parent") else []))
    return organisation


@transaction.atomic
def organisation_verify(
    *, actor: Actor, organisation: Organisation, on: date | None = None
) -> Organisation:
    """Record that an editor confirmed the organisation's entry is correct today."""
    _require_editor(actor, organisation.country_id)
    _require_own(organisation)
    Organisation.objects.filter(pk=organisation.pk).update(
        last_verified_at=on or timezone.localdate(), last_verified_by=actor.user
    )
    organisation.refresh_from_db(fields=["last_verified_at", "last_verified_by"])
    record_event(event_type=EventType.ORGANISATION_VERIFIED, actor=actor, target=organisation)
    announce(organisation.pk)
    return organisation


def _languages(codes: Iterable[str]) -> list[Language]:
    clean: set[str] = set()
    errors: list[str] = []
    for code in codes:
        if not code.strip():
            continue
        try:
            clean.add(validate_language_code(code))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"languages": errors})
    Language.objects.bulk_create([Language(code=code) for code in clean], ignore_conflicts=True)
    return list(Language.objects.filter(code__in=clean))


def _clean_channels(channels: Sequence[ChannelData]) -> list[ContactChannel]:
    cleaned: list[ContactChannel] = []
    errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    for data in channels:
        try:
            value = validate_channel_value(data.kind, data.value)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        if (data.kind, value) in seen:
            continue
        seen.add((data.kind, value))
        cleaned.append(
            ContactChannel(
                kind=data.kind,
                value=value,
                label=data.label.strip(),
                hours=data.hours.strip(),
                available_24_7=data.available_24_7,
                order=len(cleaned),
            )
        )
    if errors:
        raise ValidationError({"channels": errors})
    return cleaned


def _channel_rows(channels: Iterable[ContactChannel]) -> list[tuple[str, str, str, str, bool]]:
    """Channels as comparable rows, in display order (the order is part of the entry)."""
    return [(c.kind, c.value, c.label, c.hours, c.available_24_7) for c in channels]


@transaction.atomic
def contact_point_create(
    *,
    actor: Actor,
    organisation: Organisation,
    channels: Sequence[ChannelData] = (),
    languages: Iterable[str] = (),
    **values: Any,
) -> ContactPoint:
    _require_editor(actor, organisation.country_id)
    _require_own(organisation)
    _reject_unknown(values, CONTACT_POINT_FIELDS)
    contact_point = ContactPoint(organisation=organisation, updated_by=actor.user, **values)
    _duplicate_contact_point(contact_point)
    contact_point.full_clean(validate_constraints=False)
    channel_rows = _clean_channels(channels)
    language_rows = _languages(languages)
    try:
        with transaction.atomic():
            contact_point.save()
    except IntegrityError as error:
        raise _contact_point_taken() from error
    for row in channel_rows:
        row.contact_point = contact_point
    ContactChannel.objects.bulk_create(channel_rows)
    contact_point.languages.set(language_rows)
    changed = _changed(
        _snapshot(ContactPoint(), CONTACT_POINT_FIELDS), contact_point, CONTACT_POINT_FIELDS
    )
    changed += ["channels"] if channel_rows else []
    changed += ["languages"] if language_rows else []
    record_event(
        event_type=EventType.CONTACT_POINT_CREATED,
        actor=actor,
        target=contact_point,
        changed_fields=changed,
        detail={"organisation_id": organisation.pk},
    )
    announce(organisation.pk)
    return contact_point


@transaction.atomic
def contact_point_update(
    *,
    actor: Actor,
    contact_point: ContactPoint,
    expected_version: int,
    channels: Sequence[ChannelData] | None = None,
    languages: Iterable[str] | None = None,
    **values: Any,
) -> ContactPoint:
    """Change a contact point, and replace its channels and languages when given.

    The version guards channels and languages too: it moves even if only they changed.
    """
    _require_editor(actor, contact_point.organisation.country_id)
    _require_own(contact_point.organisation)
    _reject_unknown(values, CONTACT_POINT_FIELDS)
    before = _snapshot(contact_point, CONTACT_POINT_FIELDS)
    for name, value in values.items():
        setattr(contact_point, name, value)
    _duplicate_contact_point(contact_point)
    contact_point.full_clean(validate_constraints=False)
    changed = _changed(before, contact_point, CONTACT_POINT_FIELDS)
    channel_rows = _clean_channels(channels) if channels is not None else None
    language_rows = _languages(languages) if languages is not None else None
    if channel_rows is not None and _channel_rows(contact_point.channels.all()) != _channel_rows(
        channel_rows
    ):
        changed.append("channels")
    if language_rows is not None:
        old_codes = {language.code for language in contact_point.languages.all()}
        if old_codes != {language.code for language in language_rows}:
            changed.append("languages")
    if not changed:
        return contact_point
    try:
        with transaction.atomic():
            save_if_unchanged(
                contact_point,
                expected_version=expected_version,
                fields=[f for f in changed if f in CONTACT_POINT_FIELDS],
                actor=actor.user,
            )
    except IntegrityError as error:
        raise _contact_point_taken() from error
    if channel_rows is not None and "channels" in changed:
        contact_point.channels.all().delete()
        for row in channel_rows:
            row.contact_point = contact_point
        ContactChannel.objects.bulk_create(channel_rows)
    if language_rows is not None and "languages" in changed:
        contact_point.languages.set(language_rows)
    # Drop what access_contact_point prefetched, so callers see the new channels and languages.
    getattr(contact_point, "_prefetched_objects_cache", {}).clear()
    record_event(
        event_type=EventType.CONTACT_POINT_CHANGED,
        actor=actor,
        target=contact_point,
        changed_fields=changed,
    )
    announce(contact_point.organisation_id)
    return contact_point


@transaction.atomic
def contact_point_verify(
    *, actor: Actor, contact_point: ContactPoint, on: date | None = None
) -> ContactPoint:
    _require_editor(actor, contact_point.organisation.country_id)
    _require_own(contact_point.organisation)
    ContactPoint.objects.filter(pk=contact_point.pk).update(
        last_verified_at=on or timezone.localdate(), last_verified_by=actor.user
    )
    contact_point.refresh_from_db(fields=["last_verified_at", "last_verified_by"])
    record_event(event_type=EventType.CONTACT_POINT_VERIFIED, actor=actor, target=contact_point)
    announce(contact_point.organisation_id)
    return contact_point


@transaction.atomic
def responsibility_add(
    *,
    actor: Actor,
    country: Country,
    function: Function | str,
    organisation: Organisation,
    contact_point: ContactPoint | None = None,
    label: str = "",
    note: str = "",
    order: int = 0,
) -> Responsibility:
    _require_editor(actor, country.pk)
    _require_own(organisation)
    if function not in Function.values:
        raise ValidationError({"function": _("Choose a procedure or function from the list.")})
    if organisation.country_id != country.pk:
        raise ValidationError({"organisation": _("The responsible body must be in this country.")})
    if contact_point is not None and contact_point.organisation_id != organisation.pk:
        raise ValidationError(
            {"contact_point": _("The contact point must belong to the responsible body.")}
        )
    responsibility = Responsibility(
        country=country,
        function=Function(function),
        organisation=organisation,
        contact_point=contact_point,
        label=label.strip(),
        note=note.strip(),
        order=order,
    )
    responsibility.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            responsibility.save()
    except IntegrityError as error:
        if contact_point is not None:
            raise ValidationError(
                {"contact_point": _("This contact point is already listed for this procedure.")}
            ) from error
        raise ValidationError(
            {"organisation": _("This body is already listed for this procedure.")}
        ) from error
    record_event(
        event_type=EventType.RESPONSIBILITY_CREATED,
        actor=actor,
        target=responsibility,
        detail={"function": Function(function).value, "organisation_id": organisation.pk},
    )
    announce(organisation.pk)
    return responsibility


@transaction.atomic
def responsibility_remove(*, actor: Actor, responsibility: Responsibility) -> None:
    _require_editor(actor, responsibility.country_id)
    _require_own(responsibility.organisation)
    record_event(
        event_type=EventType.RESPONSIBILITY_REMOVED,
        actor=actor,
        target=responsibility,
        detail={
            "function": responsibility.function,
            "organisation_id": responsibility.organisation_id,
        },
    )
    responsibility.delete()
    announce(responsibility.organisation_id)


def _country(code: str, *, actor: Actor | None, via: str) -> Country:
    """The country of that code; created (and audited COUNTRY_CREATED) when new here."""
    country, created = Country.objects.get_or_create(code=code)
    if created:
        record_event(
            event_type=EventType.COUNTRY_CREATED, actor=actor, target=country, detail={"via": via}
        )
    return country


@transaction.atomic
def node_bootstrap_organisation(*, country_code: str, name: str, type: str) -> Organisation:
    """Create (or find) the node's country and first organisation from the command line.

    Used once, before anyone can log in; whoever runs it controls the server already.
    The events record that it came that way.
    """
    country = _country(validate_country_code(country_code), actor=None, via="command")
    organisation = Organisation.objects.filter(country=country, name__iexact=name.strip()).first()
    if organisation is not None:
        return organisation
    organisation = Organisation(country=country, name=name.strip(), type=type)
    organisation.full_clean(validate_constraints=False)
    organisation.save()
    record_event(
        event_type=EventType.ORGANISATION_CREATED,
        actor=None,
        target=organisation,
        detail={"via": "command"},
    )
    announce(organisation.pk)
    return organisation


@transaction.atomic
def organisation_placeholder_create(
    *,
    actor: Actor,
    country_code: str,
    name: str,
    via: str,
    note_key: str = "",
    note_params: Mapping[str, Any] | None = None,
) -> Organisation:
    """An inactive organisation for a sender that is not in the directory yet, so a referral
    that arrives from outside (``via``: ``node_exchange``) is not lost. Nothing can be sent to
    it; the national coordinator completes it or merges it with the right entry (the note of
    ``directory.notes`` named ``note_key`` says so, in each reader's language). Audited
    ORGANISATION_CREATED (and COUNTRY_CREATED for a country new here)."""
    params = dict(note_params or {})
    organisation = Organisation.objects.create(
        country=_country(country_code, actor=actor, via=via),
        name=name.strip()[:300],
        type=OrganisationType.OTHER,
        is_active=False,
        notes=node_note(note_key, params) if note_key else "",
        notes_key=note_key,
        notes_params=params,
    )
    record_event(
        event_type=EventType.ORGANISATION_CREATED,
        actor=actor,
        target=organisation,
        changed_fields=["name", "type", "is_active", "notes"],
        detail={"via": via, "placeholder": True},
    )
    return organisation
