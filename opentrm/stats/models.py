"""The pre-aggregated statistics: what the dashboards, exports and API read (issue 15 §2).

``StatsCell`` holds one count (and, for durations, a sum) per indicator, month, organisation
and breakdown value. ``fill_stats`` writes it from the case and referral tables; nothing that
shows statistics reads those tables. The cells hold true counts: every figure that leaves the
node passes ``opentrm.stats.disclosure.protect`` first.
"""

from django.db import models


class StatsCell(models.Model):
    indicator = models.CharField(max_length=40)
    period = models.DateField(help_text="First day of the month the events fell in.")
    organisation_id = models.IntegerField(
        null=True, help_text="The organisation the figure belongs to (none: the node's)."
    )
    country_code = models.CharField(max_length=2, blank=True)
    dimension = models.CharField(max_length=24)  # "total" or a breakdown (indicators.DIMENSIONS)
    value = models.CharField(max_length=64, blank=True)
    count = models.BigIntegerField(default=0)
    total = models.FloatField(default=0.0, help_text="Sum of a duration (hours or days).")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "indicator",
                "period",
                "organisation_id",
                "country_code",
                "dimension",
                "value",
                name="stats_cell_unique",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(fields=["indicator", "dimension", "period"], name="stats_cell_read_idx"),
            models.Index(fields=["period"], name="stats_cell_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period:%Y-%m} {self.dimension}={self.value}: {self.count}"


class StatsCaseContribution(models.Model):
    """What a case last added to the cells (``stats.services.contributions``): its breakdown
    values and dated events, so an incremental fill takes exactly that out again when the case
    changes. No personal data beyond the breakdown values the cells hold anyway."""

    case_id = models.BigIntegerField(primary_key=True)
    data = models.JSONField()

    def __str__(self) -> str:
        return f"contribution of case {self.case_id}"


class StatsFill(models.Model):
    """Where the last fill got to: one row. ``changes_until`` is the watermark (changes up to it
    are counted); what an interrupted fill left: ``pending`` the months of referral figures
    still to recompute, ``pending_cases`` the changed cases still to apply, ``case_cursor``
    the last case a full fill applied (None: no full fill under way)."""

    changes_until = models.DateTimeField(null=True)
    pending = models.JSONField(default=list)
    pending_cases = models.JSONField(default=list)
    case_cursor = models.BigIntegerField(null=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    snapshot_on = models.DateField(null=True)

    def __str__(self) -> str:
        return f"stats filled to {self.changes_until}"
