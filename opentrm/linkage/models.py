"""Decisions that two person records are (or are not) the same person, and the check between
nodes whether a peer holds a person (docs/matching-linkage.md).

A decision never changes either person record: both stay as they were entered, and the link
can be undone. Each row has foreign keys to both persons, so it (and its audit events) belongs
to the audit trail of every case of either (``cases.audit_trail``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import TimeStampedModel, VersionedModel


class LinkStatus(models.TextChoices):
    LINKED = "linked", _("Same person")
    NOT_SAME = "not_same", _("Not the same person")
    UNDONE = "undone", _("Decision undone")


class PersonLink(VersionedModel):
    """One pair of person records (the lower primary key first) and what a reviewer decided."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person_low = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, related_name="links_low", editable=False
    )
    person_high = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, related_name="links_high", editable=False
    )
    status = models.CharField(_("decision"), max_length=10, choices=LinkStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_for = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("for organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("person link")
        verbose_name_plural = _("person links")
        constraints = [
            models.UniqueConstraint("person_low", "person_high", name="linkage_one_link_per_pair"),
            models.CheckConstraint(
                condition=models.Q(person_low__lt=models.F("person_high")),
                name="linkage_link_pair_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"link {self.public_id}"


class LinkageKey(TimeStampedModel):
    """The secret one peer node and this node share for the check "do you hold this person?".

    Made on one node (``opentrm linkage_key generate``), read out to the other node's
    administrator through the same channel as the node fingerprint, and set there (``opentrm
    linkage_key set``). Never sent in a package; only its ``key_id`` travels."""

    peer = models.OneToOneField(
        "exchange.Peer", on_delete=models.CASCADE, related_name="linkage_key"
    )
    secret = models.BinaryField(editable=False)
    key_id = models.CharField(max_length=16, editable=False)

    def __str__(self) -> str:
        return f"linkage key {self.key_id}"


class QueryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the answer")
    MATCH = "match", _("The other node holds a matching record")
    NO_MATCH = "no_match", _("The other node holds no matching record")
    REFUSED = "refused", _("The other node refused the question")


class HolderQuery(TimeStampedModel):
    """A question this node asked a peer about the person of one of its cases."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    peer = models.ForeignKey("exchange.Peer", on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_for = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    message_id = models.UUIDField(unique=True)
    status = models.CharField(
        max_length=10, choices=QueryStatus.choices, default=QueryStatus.PENDING
    )
    # What a match reveals: the holder's reference and whom to contact; nothing else.
    answers = models.JSONField(default=list, blank=True)
    refusal_code = models.CharField(max_length=40, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"holder query {self.public_id}"


class HolderReference(TimeStampedModel):
    """A reference this node gave a peer for one of its cases that matched the peer's question:
    the holder's focal point resolves it when the asking organisation gets in touch."""

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    peer = models.ForeignKey("exchange.Peer", on_delete=models.PROTECT, related_name="+")
    message_id = models.UUIDField()

    def __str__(self) -> str:
        return f"holder reference {self.reference}"
