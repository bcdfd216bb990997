"""Agreements between organisations (reference §6): what they say, who signed which version,
and which data categories they let flow from one party to another.

The content of an agreement lives in numbered versions. Version 1 is the draft that becomes
the agreement; an amendment is a new version that every party signs or acknowledges again,
while the previous version stays in force. Nothing about the status is stored: it is derived
from the signatures, the validity and the termination (``states.py``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from opentrm.agreements.querysets import AgreementQuerySet
from opentrm.core.models import SoftDeletable, TimeStampedModel, VersionedModel


class AgreementType(models.TextChoices):
    """Reference §6.4 / MOU-D1."""

    MOU = "mou", _("Memorandum of understanding")
    PROTOCOL = "protocol", _("Protocol")
    LETTER_OF_INTENT = "letter_of_intent", _("Letter of intent")
    BILATERAL_AGREEMENT = "bilateral_agreement", _("Bilateral agreement")
    JOINT_ORDER = "joint_order", _("Joint order")
    JIT_AGREEMENT = "jit_agreement", _("Joint investigation team agreement")


class AgreementScope(models.TextChoices):
    NATIONAL = "national", _("National")
    BILATERAL = "bilateral", _("Bilateral")
    MULTILATERAL = "multilateral", _("Multilateral")


class SignatureKind(models.TextChoices):
    SIGNATURE = "signature", _("Signature")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")


class Agreement(VersionedModel):
    """One agreement; its text is in ``versions``. Only a termination is recorded here."""

    type = models.CharField(_("type"), max_length=30, choices=AgreementType.choices)
    scope = models.CharField(_("scope"), max_length=20, choices=AgreementScope.choices)
    title = models.CharField(_("title"), max_length=300)
    registered_by = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    termination_reason = models.TextField(_("reason for termination"), blank=True)
    terminated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("termination recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(terminated_on__isnull=True) | ~Q(termination_reason=""),
                name="agreements_agreement_termination_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AgreementVersion(VersionedModel):
    """The text of an agreement as the parties sign it (reference §6.2, MOU-20 .. MOU-35)."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    is_binding = models.BooleanField(
        _("legally binding"),
        default=False,
        help_text=_(
            "MoUs and similar declarations are not legally binding (MOU-05); tick only for a "
            "treaty, an order or another binding instrument."
        ),
    )
    purpose = models.TextField(_("purpose and joint statement"), blank=True)
    principles = models.TextField(_("principles of cooperation"), blank=True)
    target_group = models.TextField(_("target group"), blank=True)
    data_protection = models.TextField(_("data-protection declaration"), blank=True)
    exchange_channel = models.TextField(_("exchange channel"), blank=True)
    designated_officers = models.ManyToManyField(
        "directory.ContactPoint",
        verbose_name=_("designated officers"),
        blank=True,
        related_name="+",
    )
    exchanges_personal_data = models.BooleanField(_("exchange of personal data"), default=False)
    exchanges_thematic = models.BooleanField(_("exchange of thematic information"), default=False)
    confidentiality_measures = models.TextField(_("confidentiality measures"), blank=True)
    dispute_resolution = models.TextField(_("dispute resolution"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    amendment_note = models.TextField(_("what this version changes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        ordering = ["agreement", "number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="agreements_version_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="agreements_version_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} v{self.number}"


class AgreementParty(TimeStampedModel):
    """An organisation that is party to one version, with its responsibilities (MOU-27, 34)."""

    version = models.ForeignKey(
        AgreementVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="parties",
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="agreement_parties",
    )
    procedures = models.JSONField(_("TRM procedures"), default=list, blank=True)
    measures = models.JSONField(_("TRM measures"), default=list, blank=True)
    responsibilities = models.TextField(_("responsibilities"), blank=True)

    class Meta:
        ordering = ["version", "id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "organisation"], name="agreements_party_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} in {self.version_id}"


class Signature(TimeStampedModel):
    """A party's signature (or acknowledgement, for an amendment) of one version."""

    party = models.ForeignKey(
        AgreementParty,
        verbose_name=_("party"),
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=SignatureKind.choices, default=SignatureKind.SIGNATURE
    )
    signed_on = models.DateField(_("signed on"))
    signed_by = models.CharField(_("signed by (name and position)"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # A signature nobody of the signing organisation recorded counts for nothing (issue 9): the
    # migration that introduced the rule voided those; a voided signature stays for the record.
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    void_reason = models.TextField(_("why it was voided"), blank=True, editable=False)

    class Meta:
        ordering = ["signed_on", "id"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["party"],
                condition=Q(voided_at__isnull=True),
                name="agreements_signature_once_per_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party_id} {self.signed_on}"


class DataFlow(TimeStampedModel):
    """Which field groups (``accounts.policy.FieldGroup`` values) the sender may pass to the
    receiver under one version (MOU-D3)."""

    version = models.ForeignKey(
        AgreementVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="flows"
    )
    sender = models.ForeignKey(
        AgreementParty, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    receiver = models.ForeignKey(
        AgreementParty, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    categories = models.JSONField(_("data categories"), default=list, blank=True)
    # What the sender organisation itself approved (issue 9): only these categories flow, and
    # only those still in ``categories``. Anybody else's proposal waits here for the sender.
    approved_categories = models.JSONField(
        _("data categories approved by the sender"), default=list, blank=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["version", "sender", "receiver"]
        verbose_name = _("data flow")
        verbose_name_plural = _("data flows")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "sender", "receiver"], name="agreements_flow_once_per_pair"
            ),
            models.CheckConstraint(
                condition=~Q(sender=F("receiver")), name="agreements_flow_between_two_parties"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id} -> {self.receiver_id}"

    @property
    def effective_categories(self) -> list[str]:
        """The categories that flow: set, and approved by the sender."""
        approved = set(self.approved_categories)
        return [category for category in self.categories if category in approved]

    @property
    def pending_categories(self) -> list[str]:
        """Set by someone, not (yet) approved by the sender: they do not flow."""
        approved = set(self.approved_categories)
        return [category for category in self.categories if category not in approved]


class Meeting(TimeStampedModel, SoftDeletable):
    """A scheduled meeting of the parties (MOU-30); its reminder goes out once."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="meetings"
    )
    held_on = models.DateField(_("date"))
    subject = models.CharField(_("subject"), max_length=300)
    reminded_on = models.DateField(_("reminder sent on"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    # SoftDeletable's fields, redeclared: a meeting is cancelled, and who cancelled it may leave
    deleted_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    deletion_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        ordering = ["held_on", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["held_on"], name="agreements_meeting_held_on_idx")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.subject}"
