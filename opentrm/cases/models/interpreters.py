"""Interpreters and cultural mediators assigned to a case (SOP-I-4, REC-44, DP-26, DP-27).

An interpreter sees a case only while assigned to it (``Case.objects.visible_to``), and only
after signing a confidentiality undertaking, recorded with the assignment.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import TimeStampedModel


class CaseInterpreter(TimeStampedModel):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="interpreters")
    interpreter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("interpreter or cultural mediator"),
        on_delete=models.PROTECT,
        related_name="interpreter_assignments",
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("interpreter's organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    undertaking_signed_on = models.DateField(_("confidentiality undertaking signed"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("assignment ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["case", "-created_at", "-id"]
        verbose_name = _("interpreter on a case")
        verbose_name_plural = _("interpreters on a case")
        constraints = [
            models.UniqueConstraint(
                "case",
                "interpreter",
                condition=models.Q(ended_at__isnull=True),
                name="cases_caseinterpreter_one_open_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"interpreter assignment {self.pk} on {self.case}"
