"""A generated research dataset: what was asked, what came out, and the file itself."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from opentrm.core.models import recorded_by_field
from opentrm.directory.models import Country


class DatasetKind(models.TextChoices):
    K_ANONYMOUS = "kanon", _("k-anonymous records")
    SYNTHETIC = "synthetic", _("Differentially private synthetic records")


class ResearchDatasetQuerySet(models.QuerySet["ResearchDataset"]):
    def visible_to(self, actor: Any) -> "ResearchDatasetQuerySet":
        """The datasets of the actor's own country, for the roles that make them."""
        from opentrm.accounts.policy import Action

        if actor is None or not actor.may(Action.RESEARCH_EXPORT) or actor.country_id is None:
            return self.none()
        return self.filter(country_id=actor.country_id)


class ResearchDataset(models.Model):
    """One generated dataset of one country's cases, in the CTDC column layout.

    ``csv_gz`` is the CSV itself, gzip-compressed (a million records of a few thousand distinct
    combinations compress to a few megabytes). No row of it identifies anyone: see
    docs/research-datasets.md.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=DatasetKind.choices)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    recorded_by = recorded_by_field()
    k = models.PositiveIntegerField(_("k"), null=True, blank=True)
    epsilon = models.FloatField(_("epsilon"), null=True, blank=True)
    records_in = models.PositiveIntegerField(_("records read"))
    records_out = models.PositiveIntegerField(_("records in the dataset"))
    suppressed = models.PositiveIntegerField(_("records left out"), default=0)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    utility = models.JSONField(_("utility"), default=list, blank=True)
    csv_gz = models.BinaryField(editable=False)

    objects = ResearchDatasetQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("research dataset")
        verbose_name_plural = _("research datasets")
        indexes = [models.Index(fields=["country", "-created_at"], name="research_country_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"

    @property
    def suppressed_share(self) -> float:
        return self.suppressed / self.records_in if self.records_in else 0.0

    @property
    def filename(self) -> str:
        country = self.country.code.lower()
        return f"opentrm-{self.kind}-{country}-{self.created_at:%Y%m%d}-{self.pk}.csv"
