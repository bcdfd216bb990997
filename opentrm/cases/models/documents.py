"""Attachments of a case (issue 3 §12): stored under ``MEDIA_ROOT`` outside the web root,
named by a random key (never the uploaded name), served only through an access-checked view.

Each document belongs to one field group: the people who may see that group of the case may
open it; nobody else learns more than that a document exists.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.encrypted import EncryptedTextField
from opentrm.core.keyed_text import keyed_or_stored
from opentrm.core.models import SoftDeletable, TimeStampedModel


class DocumentKind(models.TextChoices):
    CONSENT_FORM = "consent_form", _("Signed consent form")
    IDENTITY_DOCUMENT = "identity_document", _("Identity or travel document")
    MEDICAL = "medical", _("Medical record")
    LEGAL = "legal", _("Legal or court document")
    ASSESSMENT = "assessment", _("Assessment or plan")
    CHILD_PROTECTION = "child_protection", _("Child-protection decision")
    CORRESPONDENCE = "correspondence", _("Correspondence")
    OTHER = "other", _("Other")


def document_path(instance: "CaseDocument", filename: str) -> str:
    """A path that says nothing about the person or the file's name."""
    return f"cases/{instance.case_id}/{instance.public_id.hex}"


class CaseDocument(TimeStampedModel, SoftDeletable):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("type"), max_length=20, choices=DocumentKind.choices)
    field_group = models.CharField(_("visible to those who see"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    # A title the system gave: a key + parameters, rendered in the reader's language
    # (``cases.document_titles``); ``title`` holds the node-language text as a fallback.
    title_key = models.CharField(max_length=40, blank=True, default="", editable=False)
    title_params = models.JSONField(default=dict, blank=True, editable=False)
    file = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(max_length=200, editable=False)
    content_type = models.CharField(max_length=100, editable=False)
    size = models.PositiveBigIntegerField(editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["case", "-created_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"document {self.pk} on {self.case}"

    @property
    def shown_title(self) -> str:
        """The title in the reader's (active) language."""
        from opentrm.cases.document_titles import render_title

        return keyed_or_stored(render_title, self.title_key, self.title_params, self.title)


class NoteVisibility(models.TextChoices):
    CASE = "case", _("Every organisation on the case")
    ORGANISATION = "organisation", _("My organisation only")


class CaseNote(TimeStampedModel, SoftDeletable):
    """Free text on a case. It belongs to the field group it was written under: only those who
    may view that group of the case read it. A note without a group (``field_group`` empty: the
    notes written before groups were asked for, or a writer who chose "the whole case") may
    hold anything, so only those who may view every group of the case read it. The text is
    stored encrypted (``core.encrypted``): a note may be about health or the proceedings."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="notes")
    text = EncryptedTextField(_("note"))
    field_group = models.CharField(_("about"), max_length=20, blank=True, default="")
    visibility = models.CharField(
        _("visible to"), max_length=12, choices=NoteVisibility.choices, default=NoteVisibility.CASE
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["case", "-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return f"note {self.pk} on {self.case}"
