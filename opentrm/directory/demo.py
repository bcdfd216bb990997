"""Fictional demo data: ten countries' TRM contact lists and the demo logins.

Everything here is invented. Bodies have generic names, phone numbers use the ``000`` exchange,
e-mail addresses and websites the reserved ``example.org`` domain, and nobody is named. Nothing
comes from a real contact list.

Loading is idempotent: an entry that already exists (same country and name, same organisation
and position, ...) is left exactly as it is, so running the loader twice creates nothing the
second time and an editor's later changes are never overwritten.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from opentrm.accounts.models import Membership, User
from opentrm.accounts.passwords import DEMO_PASSWORD
from opentrm.accounts.roles import Role
from opentrm.audit.events import EventType
from opentrm.audit.services import record_event
from opentrm.directory.models import (
    ChannelKind,
    ClearanceLevel,
    ContactChannel,
    ContactPoint,
    Country,
    Function,
    Language,
    Organisation,
    Responsibility,
)
from opentrm.directory.validation import validate_channel_value

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # dev-only package: types only

from opentrm.directory.demo_data import (
    ALBANIAN_NAMES,
    ALBANIAN_SPEAKING,
    COUNTRIES,
    DEMO_USER_COUNTRIES,
    EMAIL_DOMAIN,
    EXTRA_LOGINS,
    LOCAL_CITY_NAMES,
    ORGANISATIONS,
    RESPONSIBILITIES,
    ROLE_ORGANISATION,
    VERIFIED_DAYS_AGO,
    ContactSpec,
    CountrySpec,
    DemoLogin,
    DemoSummary,
    OrganisationSpec,
    ResponsibilitySpec,
)


def demo_username(country_code: str, role: Role | str) -> str:
    """``al.caseworker`` for a role, ``al.focal_point`` for an extra login's name."""
    return f"{country_code.lower()}.{role}"


class _Loader:
    def __init__(self, today: date) -> None:
        self.today = today
        self.summary = DemoSummary()
        self._tick = 0

    def _verified_on(self) -> date | None:
        days = VERIFIED_DAYS_AGO[self._tick % len(VERIFIED_DAYS_AGO)]
        self._tick += 1
        return None if days is None else self.today - timedelta(days=days)

    def country(self, spec: CountrySpec) -> Country:
        country, created = Country.objects.get_or_create(
            code=spec.code, defaults={"display_note": spec.display_note}
        )
        if not created and spec.display_note and not country.display_note:
            # A country created earlier (e.g. by an import) still gets its designation note.
            country.display_note = spec.display_note
            country.save(update_fields=["display_note", "updated_at"])
        self.summary.count("countries", created)
        return country

    def organisation(
        self,
        country: Country,
        spec: CountrySpec,
        org: OrganisationSpec,
        parents: dict[str, Organisation],
    ) -> Organisation:
        name = org.name.format(capital=spec.capital, second_city=spec.second_city)
        existing = Organisation.objects.filter(country=country, name__iexact=name).first()
        if existing is not None:
            return existing
        slug = f"{country.code.lower()}.{EMAIL_DOMAIN}"
        clearance_expiry = (
            self.today + timedelta(days=730) if org.clearance != ClearanceLevel.NONE else None
        )
        city = spec.second_city if org.in_second_city else spec.capital
        local = [ALBANIAN_NAMES.get(org.key, "")] if spec.code in ALBANIAN_SPEAKING else []
        local.append(LOCAL_CITY_NAMES.get(city, ""))
        organisation = Organisation.objects.create(
            country=country,
            name=name,
            acronym=org.acronym,
            alternate_names="\n".join(
                n.format(capital=spec.capital, second_city=spec.second_city) for n in local if n
            ),
            type=org.type,
            parent=parents.get(org.parent),
            city=city,
            region=org.region,
            address=f"{org.key.replace('_', ' ').title()} Street 1, {city} (fictional)",
            website=f"https://{slug}/{org.key.replace('_', '-')}" if org.website else "",
            accreditation_status=org.accreditation,
            clearance_level=org.clearance,
            clearance_issuer="National Security Authority (demo)" if clearance_expiry else "",
            clearance_expires_on=clearance_expiry,
            notes="Fictional demo entry.",
            last_verified_at=self._verified_on(),
        )
        self.summary.count("organisations", created=True)
        return organisation

    def contact_point(
        self,
        organisation: Organisation,
        spec: CountrySpec,
        org: OrganisationSpec,
        contact: ContactSpec,
        number: int,
        verified_by: User | None,
    ) -> ContactPoint:
        existing = ContactPoint.objects.filter(
            organisation=organisation, position__iexact=contact.position, person_name=""
        ).first()
        if existing is not None:
            return existing
        verified_on = self._verified_on()
        contact_point = ContactPoint.objects.create(
            organisation=organisation,
            position=contact.position,
            unit=contact.unit,
            notes="Fictional demo entry.",
            last_verified_at=verified_on,
            last_verified_by=verified_by if verified_on else None,
        )
        self.summary.count("contact_points", created=True)
        kinds = list(contact.channels)
        if org.postal and contact is org.contacts[0]:
            kinds.append(ChannelKind.POSTAL)
        rows = [
            self._channel(kind, spec, org, contact, number, order)
            for order, kind in enumerate(kinds)
        ]
        for row in rows:
            row.contact_point = contact_point
        ContactChannel.objects.bulk_create(rows)
        self.summary.created["channels"] = self.summary.created.get("channels", 0) + len(rows)
        codes = spec.languages[: contact.language_count] + contact.extra_languages
        contact_point.languages.set(self.languages(codes))
        return contact_point

    def _channel(
        self,
        kind: str,
        spec: CountrySpec,
        org: OrganisationSpec,
        contact: ContactSpec,
        number: int,
        order: int,
    ) -> ContactChannel:
        landline = f"+{spec.dial} {spec.area} 000 {number:04d}"
        values = {
            ChannelKind.PHONE: (landline, "Office hours", "Mon-Fri 08:00-16:00"),
            ChannelKind.FAX: (f"+{spec.dial} {spec.area} 000 {number + 5000:04d}", "", ""),
            ChannelKind.MOBILE: (f"+{spec.dial} 60 000 {number:04d}", "", ""),
            ChannelKind.HOTLINE: (f"+{spec.dial} 800 000 {number:03d}", "Free of charge", ""),
            ChannelKind.EMAIL: (
                f"{org.key}.{contact.key}@{spec.code.lower()}.{EMAIL_DOMAIN}",
                "",
                "",
            ),
            ChannelKind.MESSENGER: (
                f"{spec.code.lower()}-{org.key}-{contact.key}-demo",
                "Secure messenger",
                "",
            ),
            ChannelKind.POSTAL: (f"P.O. Box {number}, {spec.capital} (fictional)", "", ""),
        }
        value, label, hours = values[ChannelKind(kind)]
        is_24_7 = contact.hotline_24_7 and kind in (ChannelKind.HOTLINE, ChannelKind.PHONE)
        return ContactChannel(
            kind=kind,
            value=validate_channel_value(kind, value),
            label="" if is_24_7 and kind == ChannelKind.PHONE else label,
            hours="" if is_24_7 else hours,
            available_24_7=is_24_7,
            order=order,
        )

    def languages(self, codes: Iterable[str]) -> list[Language]:
        languages = []
        for code in dict.fromkeys(codes):
            language, created = Language.objects.get_or_create(code=code)
            self.summary.count("languages", created)
            languages.append(language)
        return languages

    def responsibility(
        self,
        country: Country,
        spec: ResponsibilitySpec,
        order: int,
        org: Organisation,
        cp: ContactPoint | None,
    ) -> None:
        _responsibility, created = Responsibility.objects.get_or_create(
            country=country,
            function=spec.function.value,
            organisation=org,
            contact_point=cp,
            defaults={"note": spec.note, "order": order},
        )
        self.summary.count("responsibilities", created)

    def users(self, country: Country, organisations: dict[str, Organisation]) -> dict[Role, User]:
        users = {}
        for role in Role:
            organisation = organisations[ROLE_ORGANISATION[role]]
            username = demo_username(country.code, role)
            users[role] = self.login(country, username, role, organisation, str(role.label))
        for extra in EXTRA_LOGINS:
            self.login(
                country,
                demo_username(country.code, extra.name),
                extra.role,
                organisations[extra.organisation],
                extra.label,
                extra.note,
            )
        return users

    def login(
        self,
        country: Country,
        username: str,
        role: Role,
        organisation: Organisation,
        label: str,
        note: "StrOrPromise" = "",
    ) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name="Demo",
                last_name=f"{label} {country.code}",
                email=f"{username}@demo.{EMAIL_DOMAIN}",
                preferred_language="",
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            self.summary.count("users", created=True)
        _membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
        self.summary.count("memberships", created)
        self.summary.logins.append(DemoLogin(username, role, organisation.name, country.code, note))
        return user

    def load_country(self, spec: CountrySpec) -> None:
        country = self.country(spec)
        organisations: dict[str, Organisation] = {}
        for org in ORGANISATIONS:
            organisations[org.key] = self.organisation(country, spec, org, organisations)
        editor = None
        if spec.code in DEMO_USER_COUNTRIES:
            editor = self.users(country, organisations)[Role.DIRECTORY_EDITOR]
        contacts: dict[tuple[str, str], ContactPoint] = {}
        number = 100
        for org in ORGANISATIONS:
            for contact in org.contacts:
                number += 1
                contacts[(org.key, contact.key)] = self.contact_point(
                    organisations[org.key], spec, org, contact, number, editor
                )
        orders: dict[Function, int] = {}
        for responsibility in RESPONSIBILITIES:
            order = orders.get(responsibility.function, 0)
            orders[responsibility.function] = order + 1
            contact_point = contacts.get((responsibility.organisation, responsibility.contact))
            self.responsibility(
                country,
                responsibility,
                order,
                organisations[responsibility.organisation],
                contact_point,
            )


@transaction.atomic
def load_demo(*, today: date | None = None) -> DemoSummary:
    """Create whatever part of the demo data is missing; touch nothing that exists."""
    loader = _Loader(today or timezone.localdate())
    for spec in COUNTRIES:
        loader.load_country(spec)
    summary = loader.summary
    if summary.created_anything:
        # Written straight through the models (there is no actor yet on a fresh node), so the
        # trail gets one system event with the counts, as an import would.
        record_event(
            event_type=EventType.CONTACTS_IMPORTED,
            actor=None,
            detail={"source": "demo", **summary.created},
        )
    return summary
