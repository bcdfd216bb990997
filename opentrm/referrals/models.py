"""Referrals and transnational requests (issue 4).

One ``Referral`` row tracks every kind: a referral within the country, the transnational
referral with its reporting template, and the other transnational requests (identity checks,
family checks, document issuance, immediate-danger alerts, ...). Its transport is not part of
the model: today a referral reaches a receiver on this node (in-app) or is exported for a
country not on OpenTRM; node-to-node delivery (issue 5) only adds a transport.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opentrm.core.keyed_text import keyed_or_stored
from opentrm.core.models import TimeStampedModel, VersionedModel
from opentrm.referrals.querysets import ReferralQuerySet


class ReferralKind(models.TextChoices):
    NATIONAL = "national", _("Referral within the country")
    TRANSNATIONAL = "transnational", _("Transnational referral")
    IDENTITY_VERIFICATION = "identity_verification", _("Nationality or identity verification")
    FAMILY_CHECK = "family_check", _("Family situation check")
    SAFETY_CHECK = "safety_check", _("Safety check before return")
    DOCUMENT_ISSUANCE = "document_issuance", _("Document issuance")
    IMMEDIATE_DANGER = "immediate_danger", _("Immediate-danger alert")
    SOCIO_ECONOMIC_RISK = "socio_economic_risk", _("Socio-economic risk analysis")
    # The rest of Table 9 and OTH-21 (issue 14): their data in services/requests/kinds.py
    INFO_PERSON = "info_person", _("Information on a presumed or identified trafficked person")
    INFO_SUSPECTS = "info_suspects", _("Information on traffickers, suspects or accomplices")
    INFO_SERVICES = "info_services", _("Information on available social and protection services")
    INFO_PROTECTION_HISTORY = (
        "info_protection_history",
        _("Social protection history of the person assisted"),
    )
    INFO_LEGISLATION = "info_legislation", _("Information on anti-trafficking legislation")
    INFO_CONTACTS = "info_contacts", _("Contact details of agencies")
    INFO_RELIABILITY = "info_reliability", _("Reliability of an anti-trafficking agency")
    EVIDENCE_CHECK = "evidence_check", _("Check of evidence gathered for police or court")
    EVIDENCE_TAKING = "evidence_taking", _("Execution: evidence taking")
    STATEMENT_TAKING = "statement_taking", _("Execution: statement taking")
    SEARCH_EXAMINATION = "search_examination", _("Execution: searches, objects and sites")
    PROCEEDS_TRACING = "proceeds_tracing", _("Execution: tracing of proceeds of crime")
    AVR_NATIONAL = "avr_national", _("Assisted voluntary return of a national")
    AVR_FOREIGN = "avr_foreign", _("Assisted voluntary return of a foreign national")
    OFFENDER_TRANSFER = "offender_transfer", _("Transfer of offenders")
    MISSING_PERSON = "missing_person", _("Search for a missing person")
    RESIDENCE_INFO = "residence_info", _("Information for a reflection period, permit or return")
    JUDICIAL_DOCUMENTS = "judicial_documents", _("Service of judicial documents")
    EXTRADITION = "extradition", _("Extradition")
    CONFISCATION = "confiscation", _("Freezing, seizure or confiscation")
    PROCEEDINGS_TRANSFER = "proceedings_transfer", _("Transfer of proceedings")

    @classmethod
    def requests(cls) -> list["ReferralKind"]:
        """The transnational requests other than the referral itself (reference §11.4)."""
        return [kind for kind in cls if kind not in (cls.NATIONAL, cls.TRANSNATIONAL)]


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    IMMEDIATE = "immediate", _("Immediate (danger to life or safety)")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ANSWERED = "answered", _("Answered")
    RETURN_ARRANGED = "return_arranged", _("Return arranged")
    ARRIVAL_CONFIRMED = "arrival_confirmed", _("Arrival confirmed")
    FORWARDED = "forwarded", _("Forwarded by the focal point")
    WITHDRAWN = "withdrawn", pgettext_lazy("referral status", "Withdrawn")
    CLOSED = "closed", _("Closed")


class Formality(models.TextChoices):
    """How formal a request is (OTH-22, OTH-30): an informal one is often escalated (REC-22)."""

    INFORMAL = "informal", _("Informal (liaison officer, police-to-police, secure message)")
    FORMAL = "formal", _("Formal request")
    MLA = "mla", _("Mutual legal assistance request")
    ROGATORY = "rogatory", _("Letter rogatory")


class RequestChannel(models.TextChoices):
    """The channel a request travels by besides this node (OTH-31)."""

    NODE = "node", _("OpenTRM (this node or a peer node)")
    LIAISON_OFFICER = "liaison_officer", _("Liaison officer")
    INTERPOL = "interpol", _("Interpol")
    EUROPOL = "europol", _("Europol")
    DIPLOMATIC = "diplomatic", _("Diplomatic channels or consulate")
    CENTRAL_AUTHORITY = "central_authority", _("Central authority (Ministry of Justice)")
    EMAIL_PHONE = "email_phone", _("E-mail, phone or fax")
    VIDEO = "video", _("Video-conference")


class Routing(models.TextChoices):
    DIRECT = "direct", _("Directly to the organisation")
    FOCAL_POINT = "focal_point", _("Through the national focal point")


class Delivery(models.TextChoices):
    ON_NODE = "on_node", _("On this OpenTRM node")
    EXPORTED = "exported", _("Exported (country not on OpenTRM)")
    NODE_EXCHANGE = "node_exchange", _("To another OpenTRM node")


class Referral(VersionedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=ReferralKind.choices)
    formality = models.CharField(
        _("formality"), max_length=10, choices=Formality.choices, default=Formality.INFORMAL
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    channel = models.CharField(
        _("channel"), max_length=20, choices=RequestChannel.choices, default=RequestChannel.NODE
    )
    escalated_from = models.ForeignKey(
        "self",
        verbose_name=_("escalation of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
        help_text=_("The informal request this formal one follows up (REC-22)."),
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    sender_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="referrals_sent"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    receiver_country = models.CharField(_("receiving country"), max_length=2)
    receiver_organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("receiving organisation"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    intended_organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("competent body asked for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("When routed through a focal point: the body the sender had in mind."),
    )
    forwarded_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="forwards",
        help_text=_("The referral a focal point forwarded to this receiver."),
    )
    routing = models.CharField(
        _("routing"), max_length=12, choices=Routing.choices, default=Routing.DIRECT
    )
    delivery = models.CharField(
        _("delivery"), max_length=16, choices=Delivery.choices, default=Delivery.ON_NODE
    )
    measure_code = models.CharField(_("measure"), max_length=80, blank=True)
    service_type = models.CharField(_("service"), max_length=32, blank=True)
    document_type = models.CharField(_("document asked for"), max_length=32, blank=True)
    needs = models.JSONField(_("needs"), default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    # SOP-P14 / DP-21: the sender asks the receiver to keep it confidential.
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Not to be forwarded or used beyond the purpose it was sent for."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    # The gate at the moment of sending: what the receiver may see, and why.
    consent = models.ForeignKey(
        "cases.ConsentRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shared_groups = models.JSONField(_("data categories shared"), default=list, blank=True)
    participant = models.ForeignKey(
        "cases.CaseParticipant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The receiver's place on the case once it accepted; ended on withdrawal."),
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    acknowledge_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("answer by"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawing"), blank=True)
    # A referral received from elsewhere (services.receiving): the node that created it (empty
    # for a file from outside OpenTRM that names none) and its reference there.
    origin_node = models.CharField(_("origin node"), max_length=200, blank=True)
    origin_reference = models.CharField(_("origin reference"), max_length=64, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["receiver_organisation", "status"], name="ref_inbox_idx"),
            models.Index(fields=["sender_organisation", "status"], name="ref_outbox_idx"),
            models.Index(fields=["case", "status"], name="ref_case_idx"),
        ]
        constraints = [
            # One open referral within the country per case and receiver, also when two are
            # sent at the same moment (the service checks first, to word the refusal). The
            # open statuses are ``states.OPEN``; requests abroad may be several at a time.
            models.UniqueConstraint(
                fields=["case", "receiver_organisation"],
                condition=models.Q(
                    kind="national",
                    case__isnull=False,
                    status__in=[
                        "sent",
                        "acknowledged",
                        "accepted",
                        "answered",
                        "return_arranged",
                        "arrival_confirmed",
                    ],
                ),
                name="referrals_referral_one_open_per_case_receiver",
            ),
            # One referral per referral of another node (the exchange finds it by these).
            models.UniqueConstraint(
                fields=["origin_node", "origin_reference"],
                condition=models.Q(delivery="node_exchange") & ~models.Q(origin_reference=""),
                name="referrals_referral_unique_origin",
            ),
            # One import of a file's referral per sender and receiver (files of countries not
            # on OpenTRM name no node, so their references are only unique per sender).
            models.UniqueConstraint(
                fields=["sender_organisation", "receiver_organisation", "origin_reference"],
                condition=models.Q(delivery="on_node") & ~models.Q(origin_reference=""),
                name="referrals_referral_unique_import",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ReferralEvent(models.Model):
    """Each step of a referral: who, when, which status. Notes hold no personal data."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    # A note the system wrote: a key + parameters, rendered in the reader's language
    # (``referrals.event_notes``); ``note`` holds the node-language text as a fallback.
    note_key = models.CharField(max_length=40, blank=True, default="")
    note_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["referral", "at", "id"]

    def __str__(self) -> str:
        return f"{self.referral} {self.status}"

    @property
    def shown_note(self) -> str:
        """The note in the reader's (active) language."""
        from opentrm.referrals.event_notes import render_note

        return keyed_or_stored(render_note, self.note_key, self.note_params, self.note)


class FollowUpReport(TimeStampedModel):
    """A report from the receiving side after the person's return (template §6-§7 and the
    follow-up visits of SOP-T13): the feedback practitioners say never comes."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="follow_ups")
    reported_on = models.DateField(_("date of the report"))
    data = models.JSONField(default=dict, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["referral", "-reported_on", "-id"]

    def __str__(self) -> str:
        return f"follow-up {self.pk} of {self.referral}"


class ReferralNumberSequence(models.Model):
    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class TemplateInstance(VersionedModel):
    """The filled Annex I template of a transnational referral.

    ``data`` holds ``values`` (field code -> value of the template definition in
    ``referrals/template``; free text as ``{"text": ..., "lang": ...}``, so each carries the
    language it was written in), ``fields`` (definitions of fields the sender's profile added),
    ``disabled`` (fields its profile switched off), ``sent`` (the snapshot that left: only the
    groups the gate allowed, the others marked withheld) and ``origin`` (what the receiving side
    filled in after the return). Each field is owned by one side (exploitation or origin).
    """

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="template")
    template_version = models.PositiveSmallIntegerField(default=1)
    profile_country = models.CharField(max_length=2, blank=True)
    profile_version = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict, blank=True)
    sender_language = models.CharField(max_length=8, default="en")
    receiver_language = models.CharField(max_length=8, default="en")

    def __str__(self) -> str:
        return f"template of {self.referral}"


class TemplateProfile(VersionedModel):
    """A country's adaptation of the template: fields added or switched off (TPL-00c)."""

    country = models.ForeignKey(
        "directory.Country", on_delete=models.PROTECT, related_name="template_profiles"
    )
    version = models.PositiveIntegerField(default=1)
    added_fields = models.JSONField(default=list, blank=True)
    disabled_fields = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("country", name="referrals_templateprofile_one_per_country")
        ]

    def __str__(self) -> str:
        return f"template profile of {self.country}"


class TimeUnit(models.TextChoices):
    HOURS = "hours", pgettext_lazy("time unit", "hours")
    WORKING_DAYS = "working_days", _("working days")


class ReferralTimeLimit(models.Model):
    """How soon a country's receivers acknowledge and answer each kind of referral (§8)."""

    country = models.ForeignKey(
        "directory.Country", on_delete=models.CASCADE, related_name="referral_time_limits"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ReferralKind.choices)
    acknowledge_within = models.PositiveSmallIntegerField(_("acknowledge within"))
    acknowledge_unit = models.CharField(
        max_length=12, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    answer_within = models.PositiveSmallIntegerField(_("answer within"))
    answer_unit = models.CharField(
        max_length=12, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )

    class Meta:
        constraints = [models.UniqueConstraint("country", "kind", name="referrals_timelimit_once")]

    def __str__(self) -> str:
        return f"time limits for {self.kind} in {self.country}"


class WorkingCalendar(VersionedModel):
    """A country's working days: the weekend days and the public holidays."""

    country = models.OneToOneField(
        "directory.Country", on_delete=models.CASCADE, related_name="working_calendar"
    )
    weekend_days = models.JSONField(
        default=list, blank=True, help_text="ISO weekday numbers, 1 = Monday; default [6, 7]."
    )
    holidays = models.JSONField(default=list, blank=True, help_text="ISO dates.")
    allow_direct_routes = models.BooleanField(
        _("organisations may send requests abroad directly"), default=False
    )

    def __str__(self) -> str:
        return f"working calendar of {self.country}"


class DispatchChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    FAX = "fax", _("Fax")
    POST = "post", _("Post or courier")
    HAND = "hand", _("By hand")
    OTHER = "other", _("Other")


class ExternalDispatch(TimeStampedModel):
    """How and when an exported referral was sent to a country not on OpenTRM (§9)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="dispatches")
    channel = models.CharField(_("sent by"), max_length=8, choices=DispatchChannel.choices)
    sent_on = models.DateField(_("sent on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    json_sha256 = models.CharField(max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["referral", "-sent_on", "-id"]

    def __str__(self) -> str:
        return f"dispatch {self.pk} of {self.referral}"
