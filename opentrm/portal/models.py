"""The TRM portal (issue 19): glossary, country profiles and the resource library.

The SOP guides are not stored here: they are the measure catalogue (``opentrm.catalogue``) and
each country's variant of it (``cases`` measure settings), shown as WHAT / WHEN / WHO / HOW.
Who may read an item is set per item (``Visibility``); contacts are never stored here, they come
from the directory and are shown to logged-in members only.
"""

import uuid
from datetime import date, timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import SoftDeletable, VersionedModel
from opentrm.portal.querysets import ResourceQuerySet

# A profile or library item not reviewed for this long is flagged as stale.
REVIEW_INTERVAL = timedelta(days=365)


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Everyone, without logging in")
    MEMBERS = "members", _("Any logged-in member")
    ORGANISATIONS = "organisations", _("Named organisations only")


class Reviewed(models.Model):
    """Content with an owner's review date: stale when the date is older than a year."""

    reviewed_on = models.DateField(_("last reviewed"), null=True, blank=True)

    class Meta:
        abstract = True

    def is_stale(self, today: date) -> bool:
        return self.reviewed_on is None or self.reviewed_on + REVIEW_INTERVAL < today


class GlossaryTerm(VersionedModel, Reviewed):
    """One working definition of the TRM (reference §11.1), in every shipped language."""

    slug = models.SlugField(_("key"), max_length=80, unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    visibility = models.CharField(
        _("visible to"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")

    def __str__(self) -> str:
        return self.slug


class GlossaryText(models.Model):
    """A term and its definition in one language."""

    term = models.ForeignKey(GlossaryTerm, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8)
    name = models.CharField(_("term"), max_length=200)
    definition = models.TextField(_("definition"))

    class Meta:
        ordering = ["term", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "language"], name="portal_glossarytext_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.term_id}/{self.language}"


class NationalTerm(models.Model):
    """What a country calls the term in its own law or practice (reference §11.1, note)."""

    term = models.ForeignKey(GlossaryTerm, on_delete=models.CASCADE, related_name="national")
    country = models.ForeignKey(
        "directory.Country", on_delete=models.CASCADE, related_name="+", verbose_name=_("country")
    )
    language = models.CharField(_("language"), max_length=8)
    name = models.CharField(_("national term"), max_length=300)
    is_legal_term = models.BooleanField(_("term of the law"), default=False)
    legal_reference = models.CharField(_("legal reference"), max_length=200, blank=True)

    class Meta:
        ordering = ["term", "country__code", "name"]

    def __str__(self) -> str:
        return self.name


class GlossaryRevision(models.Model):
    """A term as it was before a change: the glossary is versioned, old wording stays readable."""

    term = models.ForeignKey(GlossaryTerm, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["term", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "version"], name="portal_glossaryrevision_one_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.term_id} v{self.version}"


class CountryProfile(VersionedModel, Reviewed):
    """One country's profile (reference OTH-94/95), kept by that country's editors."""

    country = models.OneToOneField(
        "directory.Country", on_delete=models.PROTECT, related_name="portal_profile"
    )
    language = models.CharField(_("language of the text"), max_length=8, default="en")
    legislation = models.TextField(_("anti-trafficking legislation"), blank=True)
    criminal_code_articles = models.CharField(
        _("criminal-code articles"), max_length=300, blank=True
    )
    national_action_plan = models.TextField(_("national action plan"), blank=True)
    nrm_status = models.TextField(_("national referral mechanism (NRM)"), blank=True)
    sop_status = models.TextField(_("SOP status"), blank=True)
    sop_adopted_on = models.DateField(_("SOPs adopted on"), null=True, blank=True)
    instruments = models.TextField(_("ratified instruments"), blank=True)
    social_protection = models.TextField(_("social-protection programmes"), blank=True)
    labour_regulations = models.TextField(_("labour regulations"), blank=True)
    request_routes = models.TextField(_("how to send each request type"), blank=True)
    visibility = models.CharField(
        _("visible to"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )

    class Meta:
        ordering = ["country__code"]
        verbose_name = _("country profile")

    def __str__(self) -> str:
        return f"profile of {self.country_id}"


class ResourceKind(models.TextChoices):
    TEMPLATE = "template", _("Form or template")
    HANDBOOK = "handbook", _("Handbook")
    TRAINING_MODULE = "training_module", _("Training module")
    LAW = "law", _("Law")
    INSTRUMENT = "instrument", _("International or regional instrument")
    LABOUR_REGULATION = "labour_regulation", _("Labour regulation")
    TOOL_PROJECT = "tool_project", _("Tool or project")
    GOOD_PRACTICE = "good_practice", _("Good practice")
    EVENT = "event", _("Event")
    AWARENESS = "awareness", _("Awareness material")


def resource_path(instance: "Resource", filename: str) -> str:
    """A random path, never the uploaded name (as the case documents)."""
    return f"portal/{instance.public_id.hex}"


class Resource(VersionedModel, SoftDeletable, Reviewed):
    """An item of the library: a file or a link, with its language, country and owner."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("type"), max_length=24, choices=ResourceKind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=8)
    country = models.ForeignKey(
        "directory.Country",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for an international or regional item."),
    )
    owner = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(upload_to=resource_path, max_length=200, blank=True)
    original_name = models.CharField(max_length=200, blank=True, editable=False)
    content_type = models.CharField(max_length=100, blank=True, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    visibility = models.CharField(
        _("visible to"), max_length=16, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    organisations = models.ManyToManyField(
        "directory.Organisation",
        verbose_name=_("organisations that may read it"),
        blank=True,
        related_name="+",
    )

    objects: ClassVar = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "title", "id"]
        verbose_name = _("library item")
        verbose_name_plural = _("library items")

    def __str__(self) -> str:
        return f"resource {self.pk}"


__all__ = [
    "CountryProfile",
    "GlossaryRevision",
    "GlossaryTerm",
    "GlossaryText",
    "NationalTerm",
    "Resource",
    "ResourceKind",
    "Visibility",
]
