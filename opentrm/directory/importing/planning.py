"""Checking every row and merging the rows into organisations, contact points and
responsibilities to create or update; nothing is written here."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from opentrm.directory.importing.layout import (
    CHANNEL_COLUMNS,
    CHANNEL_LENGTH,
    COLUMNS,
    CONTACT_COLUMNS,
    FIELD_COLUMNS,
    HOURS_LENGTH,
    LINE_SEPARATED,
    NEUTRALISED_PREFIXES,
    ORGANISATION_COLUMNS,
    ContactImportError,
    RowError,
)
from opentrm.directory.models import (
    ChannelKind,
    ContactPoint,
    Country,
    Function,
    Organisation,
    OrganisationType,
    Responsibility,
)
from opentrm.directory.validation import (
    validate_channel_value,
    validate_country_code,
    validate_language_code,
)

_TRUE = frozenset({"yes", "y", "true", "1", "x", "po", "da", "ja", "да"})
_FALSE = frozenset({"", "no", "n", "false", "0", "jo", "nu", "ne", "не"})


T = TypeVar("T")


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class _Merged:
    """Values given for one entity across several rows; differing non-empty values clash."""

    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def give(self, column: str, value: Any, row: int, errors: list[RowError], clash: str) -> None:
        empty = value in ("", None, ())
        if column not in self.values or (self.values[column] in ("", None, ()) and not empty):
            self.values[column] = value
            self.rows[column] = row
        elif not empty and self.values[column] != value:
            errors.append(RowError(clash % {"other": self.rows[column]}, row=row, column=column))


@dataclass
class OrganisationPlan:
    name: str
    row: int
    existing: Organisation | None
    merged: _Merged = field(default_factory=_Merged)
    type_given: bool = False  # a wrong type is reported as such, not as missing
    parent: "OrganisationPlan | Organisation | None" = None
    result: Organisation | None = None


@dataclass
class ContactPlan:
    organisation: OrganisationPlan
    position: str
    person_name: str
    row: int
    existing: ContactPoint | None
    merged: _Merged = field(default_factory=_Merged)
    result: ContactPoint | None = None


@dataclass
class ResponsibilityPlan:
    row: int
    function: Function
    organisation: OrganisationPlan
    contact: ContactPlan | None
    label: str | None
    note: str | None


@dataclass
class Plan:
    country: Country
    header: list[str]
    rows: int
    organisations: dict[str, OrganisationPlan]
    contacts: dict[tuple[str, str, str], ContactPlan]
    responsibilities: list[ResponsibilityPlan]


def _check(
    errors: list[RowError], row: int, column: str, check: Callable[..., T], *args: Any
) -> T | None:
    try:
        return check(*args)
    except ValidationError as error:
        errors.extend(RowError(message, row=row, column=column) for message in error.messages)
        return None


def _boolean(value: str) -> bool:
    text = value.strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(_("“%(value)s” is not yes or no.") % {"value": value})


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError as error:
        raise ValidationError(
            _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}
        ) from error
    if parsed > timezone.localdate():
        raise ValidationError(_("%(value)s is in the future.") % {"value": value})
    return parsed


def _choice(value: str, choices: Iterable[str], message: str) -> str:
    text = value.strip().lower()
    if text not in choices:
        raise ValidationError(message % {"value": value})
    return text


def _channel_values(kind: ChannelKind, cell: str) -> tuple[str, ...]:
    parts = cell.splitlines() if kind in LINE_SEPARATED else re.split(r"[;\n]", cell)
    values: list[str] = []
    errors: list[str] = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if part[:1] == "'" and part[1:2] in NEUTRALISED_PREFIXES:
            part = part[1:]  # quoted by hand in a spreadsheet, like the export quotes a cell
        try:
            value = validate_channel_value(kind, part)
            CHANNEL_LENGTH(value)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        if value not in values:
            values.append(value)
    if errors:
        raise ValidationError(errors)
    return tuple(values)


def _country_code(value: str, country: Country) -> str:
    if not value:
        raise ValidationError(_("This field cannot be blank."))
    code = validate_country_code(value)
    if code != country.code:
        raise ValidationError(
            _("you may import contacts of your own country (%(code)s) only.")
            % {"code": country.code}
        )
    return code


def _organisation_type(value: str) -> str:
    message = _(
        "“%(value)s” is not an organisation type (see the type codes in the import instructions)."
    )
    return _choice(value, OrganisationType.values, message) if value else ""


def _function(value: str) -> str:
    message = _(
        "“%(value)s” is not a procedure or function (see the codes in the import instructions)."
    )
    return _choice(value, Function.values, message) if value else ""


def _languages(cell: str) -> tuple[str, ...]:
    return tuple(
        sorted({validate_language_code(code) for code in re.split(r"[,;\s]+", cell) if code})
    )


def column_of(field_name: str) -> str:
    column = FIELD_COLUMNS.get(field_name, field_name)
    return column if column in COLUMNS else ""


def _model_errors(errors: list[RowError], row: int, instance: Any, exclude: list[str]) -> None:
    """The model's own field rules (lengths, URL format), checked before anything is saved."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.extend(
                RowError(message, row=row, column=column_of(name)) for message in messages
            )


@dataclass
class _Row:
    """One row's cells, each checked on its own (``None`` where a check failed)."""

    number: int
    cells: dict[str, str]
    code: str | None
    name: str
    type_: str | None
    function: str | None
    channels: dict[str, tuple[str, ...]]
    languages: tuple[str, ...] | None
    around_the_clock: bool | None
    hours: str
    verified: date | None
    position: str
    person: str

    def cell(self, column: str) -> str:
        return self.cells.get(column, "")


class _Planner:
    """Merges the rows of one file, one at a time, into a plan; gathers every error."""

    def __init__(self, country: Country, header: list[str]) -> None:
        self.country = country
        self.header = header
        self.present = set(header)
        self.errors: list[RowError] = []
        self.existing_organisations: dict[str, Organisation] = {}
        stored = Organisation.objects.filter(country=country).select_related("parent")
        for body in stored.order_by("pk"):
            self.existing_organisations.setdefault(_key(body.name), body)
        self.existing_contacts: dict[tuple[int, str, str], ContactPoint] = {}
        contact_points = (
            ContactPoint.objects.filter(organisation__country=country)
            .prefetch_related("channels", "languages")
            .order_by("pk")
        )
        for contact_point in contact_points:
            key = (
                contact_point.organisation_id,
                _key(contact_point.position),
                _key(contact_point.person_name),
            )
            self.existing_contacts.setdefault(key, contact_point)
        self.organisations: dict[str, OrganisationPlan] = {}
        self.contacts: dict[tuple[str, str, str], ContactPlan] = {}
        self.responsibilities: list[ResponsibilityPlan] = []
        self.seen_rows: dict[tuple[str, str, str, str], int] = {}
        self.parent_names: dict[str, tuple[str, int]] = {}
        self.organisation_clash = _("differs from row %(other)d for the same organisation.")
        self.contact_clash = _("differs from row %(other)d for the same contact point.")

    def add(self, number: int, cells: dict[str, str]) -> None:
        row = self._checked(number, cells)
        if row.code is None or not row.name:
            return
        organisation = self._organisation(row)
        contact = self._contact(row, organisation)
        self._responsibility(row, organisation, contact)

    def _checked(self, number: int, cells: dict[str, str]) -> _Row:
        """Every cell is checked on its own first, so all problems of a row are reported at
        once."""
        errors, cell = self.errors, cells.get
        code = _check(errors, number, "country", _country_code, cell("country", ""), self.country)
        name = " ".join(cell("organisation", "").split())
        if not name:
            errors.append(
                RowError(_("This field cannot be blank."), row=number, column="organisation")
            )
        type_ = _check(errors, number, "type", _organisation_type, cell("type", ""))
        function = _check(errors, number, "function", _function, cell("function", ""))
        channels: dict[str, tuple[str, ...]] = {}
        for column, kind in CHANNEL_COLUMNS.items():
            if column in self.present:
                channels[column] = (
                    _check(errors, number, column, _channel_values, kind, cell(column, "")) or ()
                )
        languages = _check(errors, number, "languages", _languages, cell("languages", ""))
        around_the_clock = _check(
            errors, number, "available_24_7", _boolean, cell("available_24_7", "")
        )
        hours = cell("hotline_hours", "")
        _check(errors, number, "hotline_hours", HOURS_LENGTH, hours)
        verified = _check(errors, number, "last_verified", _date, cell("last_verified", ""))
        if (hours or around_the_clock) and not channels.get("hotline"):
            column = "hotline_hours" if hours else "available_24_7"
            errors.append(
                RowError(
                    _("applies to hotline numbers, but the row has none."),
                    row=number,
                    column=column,
                )
            )
        position = " ".join(cell("position", "").split())
        has_contact = around_the_clock or any(
            cell(c, "") for c in CONTACT_COLUMNS if c != "available_24_7"
        )
        if has_contact and not position:
            message = _("a position is required when the row has contact details.")
            errors.append(RowError(message, row=number, column="position"))
        if (cell("row_label", "") or cell("note", "")) and not cell("function", ""):
            column = "row_label" if cell("row_label", "") else "note"
            errors.append(
                RowError(_("needs a function in the same row."), row=number, column=column)
            )
        person = " ".join(cell("person_name", "").split())
        return _Row(
            number,
            cells,
            code,
            name,
            type_,
            function,
            channels,
            languages,
            around_the_clock,
            hours,
            verified,
            position,
            person,
        )

    def _organisation(self, row: _Row) -> OrganisationPlan:
        """The organisation of the row, shared with the other rows that name it."""
        number, errors, clash = row.number, self.errors, self.organisation_clash
        org_key = _key(row.name)
        organisation = self.organisations.get(org_key)
        if organisation is None:
            organisation = OrganisationPlan(
                name=row.name, row=number, existing=self.existing_organisations.get(org_key)
            )
            self.organisations[org_key] = organisation
        organisation.merged.give("type", row.type_ or "", number, errors, clash)
        organisation.type_given |= bool(row.cell("type"))
        for column in ORGANISATION_COLUMNS:
            if column in self.present:
                organisation.merged.give(column, row.cell(column), number, errors, clash)
        if "parent" in self.present:
            parent = " ".join(row.cell("parent").split())
            organisation.merged.give("parent", parent, number, errors, clash)
            if parent and _key(parent) == org_key:
                errors.append(
                    RowError(
                        _("an organisation cannot be its own parent."), row=number, column="parent"
                    )
                )
            elif parent:
                self.parent_names.setdefault(org_key, (parent, number))
        return organisation

    def _contact(self, row: _Row, organisation: OrganisationPlan) -> ContactPlan | None:
        """The contact point, if the row has one; the verification date is its, else the
        body's."""
        number, errors, clash = row.number, self.errors, self.contact_clash
        if not row.position:
            organisation.merged.give(
                "last_verified", row.verified, number, errors, self.organisation_clash
            )
            return None
        contact_key = (_key(row.name), _key(row.position), _key(row.person))
        contact = self.contacts.get(contact_key)
        if contact is None:
            existing = None
            if organisation.existing is not None:
                existing = self.existing_contacts.get(
                    (organisation.existing.pk, contact_key[1], contact_key[2])
                )
            contact = ContactPlan(organisation, row.position, row.person, number, existing)
            self.contacts[contact_key] = contact
        if "unit" in self.present:
            contact.merged.give("unit", row.cell("unit"), number, errors, clash)
        for column, found in row.channels.items():
            contact.merged.give(column, found, number, errors, clash)
        if row.channels.get("hotline"):
            if "hotline_hours" in self.present:
                contact.merged.give("hotline_hours", row.hours, number, errors, clash)
            if "available_24_7" in self.present:
                given = row.around_the_clock if row.cell("available_24_7") else None
                contact.merged.give("available_24_7", given, number, errors, clash)
        if "languages" in self.present:
            contact.merged.give("languages", row.languages or (), number, errors, clash)
        contact.merged.give("last_verified", row.verified, number, errors, clash)
        return contact

    def _responsibility(
        self, row: _Row, organisation: OrganisationPlan, contact: ContactPlan | None
    ) -> None:
        # The same organisation, contact and function twice is a mistake in the file.
        number, function = row.number, row.function
        row_key = (_key(row.name), _key(row.position), _key(row.person), function or "")
        if row_key in self.seen_rows:
            self.errors.append(
                RowError(
                    _("duplicates row %(other)d.") % {"other": self.seen_rows[row_key]}, row=number
                )
            )
            return
        self.seen_rows[row_key] = number
        if function:
            label = row.cell("row_label") if "row_label" in self.present else None
            note = row.cell("note") if "note" in self.present else None
            responsibility = Responsibility(
                country=self.country, function=function, label=label or "", note=note or ""
            )
            _model_errors(
                self.errors, number, responsibility, ["country", "organisation", "contact_point"]
            )
            self.responsibilities.append(
                ResponsibilityPlan(number, Function(function), organisation, contact, label, note)
            )

    def plan(self, rows: int) -> Plan:
        """The plan of the file, once every row is added; every error found at once."""
        errors = self.errors
        _resolve_parents(self.organisations, self.existing_organisations, self.parent_names, errors)
        for organisation in self.organisations.values():
            values = organisation.merged.values
            if organisation.existing is None and not organisation.type_given:
                errors.append(
                    RowError(
                        _("is required for a new organisation."),
                        row=organisation.row,
                        column="type",
                    )
                )
            candidate = Organisation(
                country=self.country,
                name=organisation.name,
                type=values.get("type") or OrganisationType.OTHER,
                **{column: values[column] for column in ORGANISATION_COLUMNS if column in values},
            )
            _model_errors(errors, organisation.row, candidate, ["country", "parent", "type"])
        for contact in self.contacts.values():
            candidate_contact = ContactPoint(
                position=contact.position,
                person_name=contact.person_name,
                unit=contact.merged.values.get("unit", ""),
            )
            _model_errors(errors, contact.row, candidate_contact, ["organisation"])
        if errors:
            raise ContactImportError(sorted(errors, key=_error_order))
        return Plan(
            self.country,
            self.header,
            rows,
            self.organisations,
            self.contacts,
            self.responsibilities,
        )


def make_plan(country: Country, header: list[str], rows: list[tuple[int, dict[str, str]]]) -> Plan:
    planner = _Planner(country, header)
    for number, cells in rows:
        planner.add(number, cells)
    return planner.plan(len(rows))


def _error_order(error: RowError) -> tuple[int, int]:
    return (error.row or 0, COLUMNS.index(error.column) if error.column in COLUMNS else -1)


def _resolve_parents(
    organisations: dict[str, OrganisationPlan],
    existing: dict[str, Organisation],
    parent_names: dict[str, tuple[str, int]],
    errors: list[RowError],
) -> None:
    """Link each organisation to its parent, in the file or the directory; refuse loops."""
    for org_key, (parent_name, row) in parent_names.items():
        parent_key = _key(parent_name)
        target: OrganisationPlan | Organisation | None = organisations.get(
            parent_key
        ) or existing.get(parent_key)
        if target is None:
            errors.append(
                RowError(
                    _(
                        "“%(name)s” is not an organisation of this country, "
                        "in the directory or in the file."
                    )
                    % {"name": parent_name},
                    row=row,
                    column="parent",
                )
            )
            continue
        organisations[org_key].parent = target
    for org_key, organisation in organisations.items():
        seen = {org_key}
        current = organisation.parent
        while isinstance(current, OrganisationPlan):
            key = _key(current.name)
            if key in seen:
                errors.append(
                    RowError(
                        _("the parent bodies form a loop."), row=organisation.row, column="parent"
                    )
                )
                break
            seen.add(key)
            current = current.parent
