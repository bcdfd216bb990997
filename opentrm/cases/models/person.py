"""The data subject: a presumed or identified trafficked person, or a person at risk.

Fields are grouped by the field group that guards them (accounts.policy.FieldGroup), so a group
can later be encrypted, exported and erased as a unit.
"""

import uuid
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import VersionedModel


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class AgeBand(models.TextChoices):
    """The template's age estimate when the date of birth is not known."""

    UNDER_18 = "under_18", _("Under 18")
    OVER_18 = "over_18", _("18 or over")
    UNKNOWN = "unknown", _("Unknown")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widow / widower")
    PARTNERSHIP = "partnership", _("Partnership")
    UNKNOWN = "unknown", _("Unknown")


class IdentityConfirmedBy(models.TextChoices):
    POLICE = "police", _("Police")
    EMBASSY = "embassy", _("Embassy or consular representation")
    CIVIL_REGISTRY = "civil_registry", _("Local municipality / civil registry")
    OTHER = "other", _("Other")


class NameKind(models.TextChoices):
    NAME = "name", _("Name")
    PREVIOUS = "previous", _("Previous name")
    NICKNAME = "nickname", _("Nickname")
    ALIAS = "alias", _("Alias")
    INITIALS = "initials", _("Initials")


class DocumentType(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    LAISSEZ_PASSER = "laissez_passer", _("Laissez-passer")
    IDENTITY_CARD = "identity_card", _("Identity card")
    OTHER = "other", _("Other")


class Person(VersionedModel):
    """One person, whatever the number of cases, names and scripts."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # identity
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    age_band = models.CharField(
        _("age (estimate)"), max_length=10, choices=AgeBand.choices, default=AgeBand.UNKNOWN
    )
    age_disputed = models.BooleanField(
        _("age disputed"),
        default=False,
        help_text=_("Treated as a child until an age assessment says otherwise."),
    )
    place_of_birth = models.CharField(_("place of birth"), max_length=200, blank=True)
    marital_status = models.CharField(
        _("marital status"),
        max_length=12,
        choices=MaritalStatus.choices,
        default=MaritalStatus.UNKNOWN,
    )
    identity_confirmed_by = models.CharField(
        _("identity confirmed by"), max_length=20, choices=IdentityConfirmedBy.choices, blank=True
    )
    identity_note = models.TextField(_("identity comments"), blank=True)
    languages = models.ManyToManyField(
        "directory.Language", verbose_name=_("languages spoken"), blank=True, related_name="+"
    )
    # contact
    address = models.TextField(_("address"), blank=True)
    residence_country = models.CharField(_("country of residence"), max_length=2, blank=True)
    # prevention: a person at risk rather than a victim
    is_at_risk_only = models.BooleanField(_("person at risk (prevention record)"), default=False)
    # Restriction of processing (GDPR art. 18): set and lifted only by
    # ``dataprotection.restriction`` (its history is ``ProcessingRestriction``); while set, the
    # person's data is stored and read by the controller, not changed, shared, sent or matched.
    processing_restricted_at = models.DateTimeField(
        _("processing restricted since"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_of_birth__isnull=True)
                | models.Q(date_of_birth__gte=date(1900, 1, 1)),
                name="cases_person_plausible_birth_date",
            ),
        ]

    def __str__(self) -> str:
        return f"person {self.public_id}"

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def is_child_on(self, day: date) -> bool:
        """Under 18, or age unknown or disputed (treated as a child until assessed)."""
        if self.age_disputed:
            return True
        age = self.age_on(day)
        if age is not None:
            return age < 18
        return self.age_band != AgeBand.OVER_18


class PersonName(models.Model):
    """A name as entered, with its script: never assume one name per person."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    kind = models.CharField(
        _("kind"), max_length=10, choices=NameKind.choices, default=NameKind.NAME
    )
    value = models.CharField(_("name"), max_length=200)
    script = models.CharField(
        _("script"), max_length=4, blank=True, help_text=_("ISO 15924, e.g. Latn, Cyrl, Arab")
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["person", "order", "id"]
        verbose_name = _("name")
        verbose_name_plural = _("names")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.person}"


class PersonNameKey(models.Model):
    """One word of a name as a search key (``core.text.search_words``): lower case, Latin
    script, no diacritics. Written with the name by the services (``services.person``), so the
    case search finds a person by an index lookup (``key`` prefix), never by reading names."""

    name = models.ForeignKey(PersonName, on_delete=models.CASCADE, related_name="keys")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    # db_index on a CharField also gives PostgreSQL the varchar_pattern_ops index that a
    # prefix LIKE needs.
    key = models.CharField(max_length=100, db_index=True)

    def __str__(self) -> str:
        return f"search key of {self.name_id}"


class PersonCitizenship(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="citizenships")
    country_code = models.CharField(_("citizenship"), max_length=2)

    class Meta:
        verbose_name = _("citizenship")
        verbose_name_plural = _("citizenships")
        constraints = [
            models.UniqueConstraint("person", "country_code", name="cases_personcitizenship_unique")
        ]

    def __str__(self) -> str:
        return f"{self.country_code} citizenship of {self.person}"


class TravelDocument(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices)
    number = models.CharField(_("number"), max_length=60, blank=True)
    issuing_country = models.CharField(_("issued by (country)"), max_length=2, blank=True)
    is_valid = models.BooleanField(_("valid"), null=True)
    note = models.TextField(_("comments"), blank=True)

    class Meta:
        verbose_name = _("travel document")
        verbose_name_plural = _("travel documents")

    def __str__(self) -> str:
        return f"{self.get_type_display()} of {self.person}"
