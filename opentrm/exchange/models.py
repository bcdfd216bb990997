"""Node-to-node exchange (issue 5): this node's keys, its peers, and the outbox and inbox of
signed, encrypted packages.

Private keys never enter the database: they live as JWK files in ``OPENTRM_KEY_DIR``; the
rows below hold public keys, fingerprints and message bookkeeping. Package bodies are stored
only as the sealed token (outbox) or, once verified, as the decrypted package (inbox), which is
case data like any other and is read only through the referrals code that owns it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from opentrm.core.models import TimeStampedModel, VersionedModel


class KeyUse(models.TextChoices):
    SIGNING = "sig", _("Signing")
    ENCRYPTION = "enc", _("Encryption")


class NodeKey(TimeStampedModel):
    """One of this node's key pairs (public half; the private half is a file). A rotated key
    stays published until ``retire_after`` so peers can still verify and encrypt to it."""

    kid = models.CharField(max_length=64, unique=True)
    use = models.CharField(max_length=3, choices=KeyUse.choices)
    public_jwk = models.JSONField()
    fingerprint = models.CharField(max_length=64)
    active = models.BooleanField(default=True, help_text="Used for new packages.")
    retire_after = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text="Revoked (compromised): never used or published again."
    )

    class Meta:
        ordering = ["use", "-created_at"]

    def __str__(self) -> str:
        return f"{self.use} key {self.kid}"


class PeerStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for fingerprint confirmation")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Peer(VersionedModel):
    """Another country's node, registered by an administrator and confirmed out of band."""

    node_id = models.CharField(_("node id"), max_length=100, unique=True)
    country_code = models.CharField(_("country"), max_length=2)
    name = models.CharField(_("name"), max_length=200)
    base_url = models.URLField(_("address"))
    public_jwks = models.JSONField(_("public keys"), default=dict)
    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=PeerStatus.choices, default=PeerStatus.PENDING
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Key continuity (docs/exchange.md, "Keys and rotation"): the peer's retired keys with the
    # moment they stop being accepted, and the keys it revoked (refused at once).
    key_expiry = models.JSONField(default=dict, blank=True, help_text="kid -> ISO time.")
    revoked_kids = models.JSONField(default=list, blank=True)
    our_signing_kid = models.CharField(
        max_length=64,
        blank=True,
        help_text="This node's signing key the peer is known to hold (empty: the active one).",
    )

    class Meta:
        ordering = ["country_code", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country_code})"


class MessageType(models.TextChoices):
    REFERRAL = "referral", _("Transnational referral")
    REQUEST = "request", _("Transnational request")
    STATUS_UPDATE = "status_update", _("Status update")
    FOLLOW_UP = "follow_up", _("Follow-up report")
    CONSENT_WITHDRAWAL = "consent_withdrawal", _("Consent withdrawal")
    PING = "ping", _("Connection test")
    KEY_ANNOUNCEMENT = "key_announcement", _("Key announcement")
    OUTCOME = "outcome", _("Processing outcome")
    DIRECTORY = "directory", _("Directory entries")
    HOLDER_QUERY = "holder_query", _("Do you hold this person? (encoded)")
    HOLDER_ANSWER = "holder_answer", _("Answer to a holder query")


class Outcome(models.TextChoices):
    """What the receiving node did with a package it stored (reported back as a package)."""

    APPLIED = "applied", _("Applied")
    REFUSED = "refused", _("Refused")


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DELIVERED = "delivered", pgettext_lazy("package status", "Delivered")
    FAILED = "failed", _("Failed, will retry")
    DEAD = "dead", _("Dead letter")


class OutboxMessage(TimeStampedModel):
    """A package to send, written in the same transaction as the change it reports."""

    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbox")
    type = models.CharField(max_length=20, choices=MessageType.choices)
    body = models.JSONField(help_text="The package body; sealed (signed + encrypted) at send.")
    referral_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    round_trip_ms = models.PositiveIntegerField(null=True, blank=True)
    receipt = models.TextField(blank=True, help_text="The peer's signed receipt (JWS).")
    sealed = models.TextField(
        blank=True,
        help_text="The sealed package (JWE) the peer receipted; the body is emptied then.",
    )
    # Order (docs/exchange.md, "Order"): the packages about one referral to one peer form a
    # chain; the receiver applies one only after the one before it.
    sequence = models.PositiveIntegerField(null=True, blank=True)
    previous_id = models.UUIDField(null=True, blank=True)
    # What the peer reported it did with the package (an "outcome" package).
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    outcome_code = models.CharField(max_length=40, blank=True)
    outcome_reason = models.CharField(max_length=300, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="exchange_outbox_due")]

    def __str__(self) -> str:
        return f"outbox {self.message_id}"


class InboxMessage(TimeStampedModel):
    """A package received, verified and decrypted: stored once per message id."""

    message_id = models.UUIDField(unique=True)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="inbox")
    type = models.CharField(max_length=20, choices=MessageType.choices)
    body = models.JSONField()
    signed = models.TextField(
        blank=True,
        help_text="The sender's signed package (JWS compact), to re-check its signature later; "
        "emptied with the body when the package is refused.",
    )
    digest = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of the canonical payload without iat: a retry is a duplicate even "
        "after the body was removed.",
    )
    issued_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    referral_id = models.BigIntegerField(null=True, blank=True)
    # A handler that failed is tried again by the worker (services.processing), with the
    # outbox's backoff; after the outbox's number of attempts the message is a dead letter.
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    previous_id = models.UUIDField(
        null=True, blank=True, help_text="Applied only after this message of the same sender."
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    outcome_code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(processed_at__isnull=True, dead_at__isnull=True),
                name="exchange_inbox_due",
            )
        ]

    def __str__(self) -> str:
        return f"inbox {self.message_id}"


class RejectionCount(models.Model):
    """How many packages the inbox refused, per sender, code and hour (issue 9).

    Anyone can post garbage to the inbox, and the audit trail cannot be pruned: so only the
    first rejection per sender, code and hour is audited, and every rejection is counted here.
    Packages whose sender is unknown share one bucket (``sender_key`` 0): a forged sender
    must not open a new row per request.
    """

    sender_key = models.BigIntegerField(help_text="The peer's id, or 0 for an unknown sender.")
    peer = models.ForeignKey(
        Peer, on_delete=models.CASCADE, null=True, blank=True, related_name="rejections"
    )
    code = models.CharField(max_length=30)
    hour = models.DateTimeField(help_text="The start of the hour counted.")
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-hour", "sender_key", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender_key", "code", "hour"], name="exchange_rejectioncount_one_per_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} x {self.code} from {self.sender_key or 'unknown'} at {self.hour}"


class DirectoryFeed(TimeStampedModel):
    """This node's directory as published to one peer: the full snapshot is queued once, when
    the worker first finds the peer active; the changes follow (``DirectoryChange``)."""

    peer = models.OneToOneField(Peer, on_delete=models.CASCADE, related_name="directory_feed")
    snapshot_queued_at = models.DateTimeField(null=True, blank=True)
    last_published_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"directory feed to {self.peer_id}"


class DirectoryChange(models.Model):
    """An organisation of this node whose published entry changed and is not yet queued for a
    peer. Written in the transaction of the directory change, one row per peer and change (no
    unique constraint: a change committed while the worker packs the earlier ones stays)."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="directory_changes")
    organisation_id = models.BigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"directory change {self.organisation_id} for {self.peer_id}"
