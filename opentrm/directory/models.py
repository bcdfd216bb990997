"""The TRM directory: who answers for which procedure in which country, and how to reach them."""

import uuid as uuid_lib

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from opentrm.core.keyed_text import keyed_or_stored
from opentrm.core.models import TimeStampedModel, VersionedModel
from opentrm.directory import reference
from opentrm.directory.querysets import (
    ContactPointQuerySet,
    OrganisationQuerySet,
    ResponsibilityQuerySet,
)


class OrganisationType(models.TextChoices):
    """Directory taxonomy, reference §1.1 (ACT-01 .. ACT-27)."""

    POLICE = "police", _("Police")
    ANTI_TRAFFICKING_POLICE = (
        "anti_trafficking_police",
        _("Specialised anti-trafficking police unit"),
    )
    BORDER_POLICE = "border_police", _("Border police")
    OTHER_POLICE = "other_police", _("Other police branch")
    PROSECUTION = "prosecution", _("Prosecution")
    VICTIMS_ADVOCATE = "victims_advocate", _("Victims' advocate")
    JUDICIARY = "judiciary", _("Judiciary")
    SOCIAL_SERVICES = "social_services", _("Social services")
    CHILD_PROTECTION = "child_protection", _("Child protection / guardianship")
    MINISTRY = "ministry", _("Ministry")
    NATIONAL_COORDINATION = (
        "national_coordination",
        _("National anti-trafficking coordination body"),
    )
    NATIONAL_RAPPORTEUR = "national_rapporteur", _("National rapporteur")
    LABOUR_INSPECTORATE = "labour_inspectorate", _("Labour inspectorate")
    EMPLOYMENT_SECTOR = "employment_sector", _("Employment or recruitment sector")
    IMMIGRATION_ASYLUM = "immigration_asylum", _("Immigration and asylum")
    DIPLOMATIC_CONSULAR = "diplomatic_consular", _("Embassy or consulate")
    LIAISON_OFFICE = "liaison_office", _("Liaison officers")
    NGO = "ngo", _("Non-governmental organisation")
    SHELTER = "shelter", _("Shelter")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
    INTERNATIONAL_POLICE_JUDICIAL = (
        "international_police_judicial",
        _("International police or judicial body"),
    )
    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")
    LOCAL_ADMINISTRATION = "local_administration", _("Local administration / civil registry")
    GBV_GROUP = "gbv_group", _("Multi-agency group on gender-based violence")
    INTERPRETATION = "interpretation", _("Interpretation and cultural mediation")
    OTHER = "other", _("Other")


class AccreditationStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Not required")
    PENDING = "pending", _("Pending")
    ACCREDITED = "accredited", _("Accredited")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ClearanceLevel(models.TextChoices):
    NONE = "none", _("None")
    RESTRICTED = "restricted", _("Restricted")
    CONFIDENTIAL = "confidential", _("Confidential")
    SECRET = "secret", _("Secret")


class Function(models.TextChoices):
    """What a responsibility answers for: the five TRM procedures, and national functions."""

    IDENTIFICATION = "sop1", _("Identification")
    FIRST_ASSISTANCE = "sop2", _("First Assistance and Protection")
    LONGER_TERM_ASSISTANCE = "sop3", _("Longer-Term Assistance and Social Inclusion")
    RETURN = "sop4", _("Return and Social Inclusion")
    PROCEEDINGS = "sop5", _("Criminal and Civil Proceedings")
    NATIONAL_COORDINATOR = "national_coordinator", _("National coordinator")
    NATIONAL_FOCAL_POINT = "national_focal_point", _("National focal point")
    # ACT-31: the central point of information, referral and initial support for presumed
    # victims, which nominates the case manager; new registrations are routed to it.
    FIRST_POINT_OF_NOTIFICATION = "first_notification", _("First point of notification")
    CHILD_AUTHORITY = "child_authority", _("Single authority for child cases")
    REGIONAL_CONTACT = "regional_contact", _("Regional contact point")
    INTERPRETATION = "interpretation", _("Interpretation and cultural mediation")
    HOTLINE = "hotline", _("24/7 hotline")
    OTHER = "other", _("Other")

    @classmethod
    def procedures(cls) -> list["Function"]:
        return [
            cls.IDENTIFICATION,
            cls.FIRST_ASSISTANCE,
            cls.LONGER_TERM_ASSISTANCE,
            cls.RETURN,
            cls.PROCEEDINGS,
        ]


class ChannelKind(models.TextChoices):
    PHONE = "phone", _("Telephone")
    MOBILE = "mobile", _("Mobile")
    FAX = "fax", _("Fax")
    EMAIL = "email", _("E-mail")
    HOTLINE = "hotline", _("Hotline")
    POSTAL = "postal", _("Postal address")
    PO_BOX = "po_box", _("P.O. box")
    MESSENGER = "messenger", _("Messenger id")
    WEBSITE = "website", _("Website")


class Country(VersionedModel):
    """A country (or territory) taking part in the TRM, with its national settings."""

    code = models.CharField(_("code"), max_length=2, unique=True, help_text=_("ISO 3166-1 alpha-2"))
    display_note = models.TextField(
        _("display note"),
        blank=True,
        help_text=_("Shown wherever the country is named, e.g. a status designation."),
    )
    is_trm_participant = models.BooleanField(_("takes part in the TRM"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return reference.country_name(self.code)


class Language(models.Model):
    """A language a contact speaks, by ISO 639 code (2 letters where one exists, else 3)."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return reference.language_name(self.code)


class Verifiable(VersionedModel):
    """A directory entry whose correctness someone confirms from time to time."""

    last_verified_at = models.DateField(_("last verified"), null=True, blank=True)
    last_verified_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class Organisation(Verifiable):
    """A body, unit or NGO. Units point to their parent body (e.g. a police directorate)."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="organisations"
    )
    name = models.CharField(_("name"), max_length=300)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    # Found by the directory search, case and accents aside (issue 12 §7): a body is often
    # looked up by its name in the local language ("Qendra ..."), a former name, or the local
    # name of its city ("Beograd").
    alternate_names = models.TextField(
        _("other names"),
        blank=True,
        help_text=_(
            "One per line: the name in the local language(s), former or commonly used names, "
            "the local name of the city. The search finds the body under any of them."
        ),
    )
    type = models.CharField(_("type"), max_length=40, choices=OrganisationType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent body"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    address = models.TextField(_("address"), blank=True)
    website = models.URLField(_("website"), blank=True)
    accreditation_status = models.CharField(
        _("accreditation"),
        max_length=20,
        choices=AccreditationStatus.choices,
        default=AccreditationStatus.NOT_REQUIRED,
    )
    clearance_level = models.CharField(
        _("security clearance"),
        max_length=20,
        choices=ClearanceLevel.choices,
        default=ClearanceLevel.NONE,
    )
    clearance_issuer = models.CharField(_("clearance issued by"), max_length=200, blank=True)
    clearance_expires_on = models.DateField(_("clearance expires"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    # A note the system wrote (a placeholder's): a key + parameters, rendered in the reader's
    # language (``directory.notes``); ``notes`` holds the node-language text as a fallback.
    notes_key = models.CharField(max_length=40, blank=True, default="", editable=False)
    notes_params = models.JSONField(default=dict, blank=True, editable=False)
    # Directory federation (docs/directory-federation.md): the stable id across nodes is
    # (origin node, uuid); an entry of this node has an empty origin_node.
    uuid = models.UUIDField(_("stable id"), default=uuid_lib.uuid4, unique=True, editable=False)
    share_abroad = models.BooleanField(
        _("shared with other countries"),
        default=True,
        help_text=_("Published to the other countries' nodes (never the notes or clearance)."),
    )
    origin_node = models.CharField(
        _("published by node"), max_length=100, blank=True, default="", editable=False
    )
    synced_at = models.DateTimeField(_("last synchronised"), null=True, blank=True, editable=False)
    source_as_of = models.DateTimeField(null=True, blank=True, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["country__code", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                "country",
                Lower("name"),
                name="directory_organisation_unique_name_per_country",
            ),
        ]
        indexes = [
            models.Index(fields=["country", "name"], name="directory_org_country_name_idx"),
            models.Index(fields=["type"], name="directory_org_type_idx"),
            models.Index(fields=["city"], name="directory_org_city_idx"),
            models.Index(fields=["last_verified_at"], name="directory_org_verified_idx"),
            models.Index(fields=["origin_node"], name="directory_org_origin_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_notes(self) -> str:
        """The notes in the reader's (active) language."""
        from opentrm.directory.notes import render_note

        return keyed_or_stored(render_note, self.notes_key, self.notes_params, self.notes)

    @property
    def is_mirrored(self) -> bool:
        """A read-only copy of another node's entry (that node is its authority)."""
        return bool(self.origin_node)


class ContactPoint(Verifiable):
    """A position in an organisation through which it is reached; a named person is optional.

    Staff change often (reference DIR-05), so the position is the stable record and the person
    is its current holder.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="contact_points",
    )
    position = models.CharField(_("position or function"), max_length=200)
    person_name = models.CharField(_("named person"), max_length=200, blank=True)
    unit = models.CharField(_("unit or department"), max_length=200, blank=True)
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages spoken"), blank=True, related_name="contact_points"
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    uuid = models.UUIDField(_("stable id"), default=uuid_lib.uuid4, unique=True, editable=False)
    share_abroad = models.BooleanField(
        _("shared with other countries"),
        default=True,
        help_text=_("Published to the other countries' nodes (never the notes)."),
    )

    objects = ContactPointQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "position"]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [
            models.UniqueConstraint(
                "organisation",
                Lower("position"),
                Lower("person_name"),
                name="directory_contactpoint_unique_position_person",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "is_active"], name="directory_cp_org_active_idx"),
            models.Index(fields=["last_verified_at"], name="directory_cp_verified_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.position} — {self.person_name}" if self.person_name else self.position


class ContactChannel(models.Model):
    """One way to reach a contact point: a number, an address, a messenger id."""

    contact_point = models.ForeignKey(
        ContactPoint,
        on_delete=models.CASCADE,
        related_name="channels",
        verbose_name=_("contact point"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    value = models.CharField(_("value"), max_length=300)
    label = models.CharField(
        _("label"), max_length=80, blank=True, help_text=_("e.g. Skype, ext. 12")
    )
    hours = models.CharField(_("hours"), max_length=120, blank=True)
    available_24_7 = models.BooleanField(_("24/7"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["contact_point", "order", "id"]
        verbose_name = _("contact channel")
        verbose_name_plural = _("contact channels")
        constraints = [
            models.UniqueConstraint(
                "contact_point", "kind", "value", name="directory_contactchannel_unique_value"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class Responsibility(TimeStampedModel):
    """Which organisation (and contact point) answers for a TRM procedure or function."""

    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    function = models.CharField(_("procedure or function"), max_length=32, choices=Function.choices)
    label = models.CharField(
        _("row label"),
        max_length=120,
        blank=True,
        help_text=_(
            "The country's own name for this row, e.g. “NIT Coordinator”, “Reintegration”."
        ),
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible body"),
        on_delete=models.PROTECT,
        related_name="responsibilities",
    )
    contact_point = models.ForeignKey(
        ContactPoint,
        verbose_name=_("contact point"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsibilities",
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("e.g. Recovery and reflection")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ResponsibilityQuerySet.as_manager()

    class Meta:
        ordering = ["country__code", "function", "order", "id"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.UniqueConstraint(
                "country",
                "function",
                "organisation",
                "contact_point",
                name="directory_responsibility_unique_contact",
                condition=models.Q(contact_point__isnull=False),
            ),
            models.UniqueConstraint(
                "country",
                "function",
                "organisation",
                name="directory_responsibility_unique_body",
                condition=models.Q(contact_point__isnull=True),
            ),
        ]
        indexes = [
            models.Index(
                fields=["country", "function", "order"], name="directory_resp_country_fn_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country.code} {self.get_function_display()}: {self.organisation}"


class DirectorySource(TimeStampedModel):
    """Another node whose country's directory this node holds as a read-only copy."""

    node_id = models.CharField(_("node id"), max_length=100, unique=True)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="sources"
    )
    last_synced_at = models.DateTimeField(_("last synchronised"), null=True, blank=True)
    last_snapshot_at = models.DateTimeField(_("last full copy"), null=True, blank=True)

    class Meta:
        ordering = ["node_id"]
        verbose_name = _("directory source")
        verbose_name_plural = _("directory sources")

    def __str__(self) -> str:
        return self.node_id
