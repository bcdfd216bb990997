"""The append-only, hash-chained audit trail."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.audit.events import EventType


class AuditEvent(models.Model):
    """One thing that happened: who, for which organisation, when, what, to which object.

    Holds ids and field names only, never personal data. Each event carries the hash of the one
    before it (``sequence`` - 1), so an edited or deleted row breaks the chain.
    """

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("when"), db_index=True)
    # No ``choices``: the catalogue grows with every feature, and a label is not schema.
    event_type = models.CharField(_("event"), max_length=64)
    # Plain ids and labels, not foreign keys: the trail outlives the rows it speaks of, and
    # audit depends on no domain app.
    actor_id = models.PositiveBigIntegerField(_("user id"), null=True, blank=True)
    actor_label = models.CharField(_("user name"), max_length=150, blank=True)
    organisation_id = models.PositiveBigIntegerField(_("organisation id"), null=True, blank=True)
    organisation_label = models.CharField(_("organisation"), max_length=300, blank=True)
    target_type = models.CharField(_("object type"), max_length=64, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Not a column: the object an event just recorded is about, as its recorder held it
    # (``services.record_event``), for the receivers of its ``post_save``; None when read.
    target_instance: models.Model | None = None

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["actor_id", "-occurred_at"], name="audit_event_actor_idx"),
            models.Index(fields=["organisation_id", "-occurred_at"], name="audit_event_org_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_event_target_idx"),
            models.Index(fields=["event_type", "-occurred_at"], name="audit_event_type_idx"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.event_type}"

    @property
    def event_label(self) -> str:
        """The translated label of the event type (the code, if it is no longer known)."""
        try:
            return str(EventType(self.event_type).label)
        except ValueError:
            return self.event_type


class AuditChainHead(models.Model):
    """A single row holding the last sequence and hash; locking it serialises appends.

    It also lets ``verify_audit`` notice that the newest events were deleted.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_auditchainhead_single_row")
        ]

    def __str__(self) -> str:
        return f"audit chain head at #{self.last_sequence}"
